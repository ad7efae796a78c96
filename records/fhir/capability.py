"""The CapabilityStatement served at /fhir/metadata (http://hl7.org/fhir/R4/capabilitystatement.html).

Built from what the store really supports (store.supported_search_params()), so it never promises
a type, interaction or search parameter that is not implemented.
"""
from functools import lru_cache

from records import auditevents

READ_ONLY = {"AuditEvent"}  # derived from core.models.AuditEntry (records.auditevents)
WRITE_INTERACTIONS = ("read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create",
                      "search-type")
COMMON_SEARCH = ("_id", "_lastUpdated")


@lru_cache(maxsize=1)
def _store_params():
    from records import store

    return store.supported_search_params()


def supported_types():
    """Every resource type served under /fhir."""
    return frozenset(_store_params()) | READ_ONLY


def _search_params(resource_type):
    if resource_type in READ_ONLY:
        return [{"name": name, "type": kind, "documentation": doc}
                for name, (kind, doc) in auditevents.SEARCH_PARAMS.items()]
    return [{k: p[k] for k in ("name", "type", "documentation") if p.get(k)} for p in _store_params()[resource_type]]


def _reference_params(resource_type):
    return sorted(p["name"] for p in _store_params().get(resource_type, ()) if p["type"] == "reference")


@lru_cache(maxsize=None)
def search_includes(resource_type):
    """The `_include` values a search of `resource_type` serves (records.search.includes: one level)."""
    return [f"{resource_type}:*"] + [f"{resource_type}:{name}" for name in _reference_params(resource_type)]


@lru_cache(maxsize=None)
def search_revincludes(resource_type):
    """The `_revinclude` values a search of `resource_type` serves: every reference parameter of a stored
    type that may point at `resource_type`."""
    from records.search.definitions import get_param

    found = []
    for other in sorted(set(_store_params()) - READ_ONLY):  # AuditEvents are built on reading, never stored
        for name in _reference_params(other):
            targets = get_param(other, name).targets
            if not targets or resource_type in targets:
                found.append(f"{other}:{name}")
    return found


def _resource(resource_type):
    interactions = ("read", "search-type") if resource_type in READ_ONLY else WRITE_INTERACTIONS
    entry = {
        "type": resource_type,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{resource_type}",
        "interaction": [{"code": code} for code in interactions],
        "searchParam": _search_params(resource_type),
    }
    if resource_type not in READ_ONLY:
        entry.update({"searchInclude": search_includes(resource_type),
                      "searchRevInclude": search_revincludes(resource_type)})
    if resource_type in READ_ONLY:
        entry["documentation"] = "Read-only view of the audit trail; administrators only."
        return entry
    entry.update({"versioning": "versioned", "readHistory": True, "updateCreate": True,
                  "conditionalCreate": True, "conditionalUpdate": True, "conditionalDelete": "single"})
    if resource_type == "Patient":
        entry["operation"] = [{"name": "everything",
                               "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}]
    return entry


_additions = []  # fn(rest, base_url) from the layers above: what they serve under /fhir (smart/: OAuth, $export)


def register_capability_addition(addition):
    """Register `addition(rest, base_url)`, which adds to the CapabilityStatement's rest entry what it serves."""
    if addition not in _additions:
        _additions.append(addition)


def capability_statement(base_url, software_version="0.1.0", published="2026-01-01"):
    """The server's CapabilityStatement."""
    statement = _statement(base_url, software_version, published)
    for addition in _additions:
        addition(statement["rest"][0], base_url)
    return statement


def _statement(base_url, software_version, published):
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": published,
        "publisher": "Cloud Hospital",
        "kind": "instance",
        "software": {"name": "Cloud Hospital records", "version": software_version},
        "implementation": {"description": "Cloud Hospital FHIR R4 API", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "documentation": "Bearer tokens from /api/v1/auth/token; access follows care relationships.",
            "security": {"cors": True, "service": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "OAuth",
                "display": "OAuth"}], "text": "Bearer token"}]},
            "resource": [_resource(t) for t in sorted(supported_types())],
            "interaction": [{"code": "transaction"}, {"code": "batch"}, {"code": "history-system"}],
            "operation": [{"name": "validate",
                           "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
                           "documentation": "POST [type]/$validate: content checks only (modes create and update)."}],
        }],
    }
