"""The records service API: the only way other domains (and the FHIR REST layer) touch clinical records.

Every function takes the acting `core.auth.Actor` first, applies records.access, calls the store
(which flushes, never commits) and leaves an audit entry (success, denied or failed); `@audited`
makes a missing entry a bug. `core.auth.SYSTEM` may do everything and is audited like anyone else.
"""
import sys
from urllib.parse import urlencode

from core.audit import audited, record_access
from core.payloads import has_nul
from core.transaction import serialise_on
from records import access, auditevents, deletion_guards, derived, scoped_search, store, summary
from records import scopes  # noqa: F401  (part of this API: SMART scope parsing, for smart/)
from records.api_audit import (HISTORY_CHECK_LIMIT, READ_ONLY_TYPES, _audit, _compartment,  # noqa: F401
                               _last_content, _writable_type)
from records.api_export import (check_type, compartment_types, export_page, parse_type_filter,  # noqa: F401
                                stored_types)
from records.api_purge import dormant_patients, purge_patient, record_last_active  # noqa: F401  (retention)
from records.api_bulk import create_many, existing_ids, update_many, upsert_many  # noqa: F401  (part of this API)
from records.care import answered_by_source  # noqa: F401  (part of this API)
from records.deletion_guards import register as register_deletion_guard  # noqa: F401  (part of this API)
from records.derived import any_of, id_prefix, identifier_system, register_view  # noqa: F401  (part of this API)
from records.fhir import router, transactions
from records.fhir.capability import register_capability_addition  # noqa: F401  (part of this API)
from records.fhir.outcome import fhir_error
from records.errors import FhirError


@audited("read")
def read(actor, resource_type, resource_id):
    """Read the current version of a resource (http://hl7.org/fhir/R4/http.html#read)."""
    with _audit(actor, "read", f"{resource_type}/{resource_id}") as call:
        if resource_type in READ_ONLY_TYPES:
            access.check_type_readable(actor, resource_type)
            resource = auditevents.read_event(resource_id)
            if resource is None:
                raise fhir_error(404, "not-found", f"{resource_type}/{resource_id} is not known.")
        else:
            resource = store.read_resource(resource_type, resource_id)
            call.patient_ids = _compartment(resource)
            access.check_read(actor, resource_type, call.patient_ids)
        call.succeeded()
    return access.minimise(actor, resource)


@audited("vread")
def read_version(actor, resource_type, resource_id, version_id):
    """Read one version of a resource (http://hl7.org/fhir/R4/http.html#vread)."""
    with _audit(actor, "vread", f"{resource_type}/{resource_id}/_history/{version_id}") as call:
        if resource_type in READ_ONLY_TYPES:
            raise fhir_error(404, "not-found", f"{resource_type} has no version history.")
        resource = store.read_version(resource_type, resource_id, version_id)
        call.patient_ids = _compartment(resource)
        access.check_read(actor, resource_type, call.patient_ids)
        call.succeeded()
    return access.minimise(actor, resource)


@audited("read")
def read_reference(actor, reference):
    """Read the resource a relative reference points at ("Type/id" or "Type/id/_history/vid")."""
    parts = (reference or "").strip("/").split("/")
    if len(parts) == 2:
        return read(actor, parts[0], parts[1])
    if len(parts) == 4 and parts[2] == "_history":
        return read_version(actor, parts[0], parts[1], parts[3])
    record_access(actor, "read", reference, outcome="failed", detail="not a relative reference")
    raise fhir_error(400, "invalid", f"{reference!r} is not a relative reference 'Type/id'.")


@audited("create")
def create(actor, resource, *, maintainer=None):
    """Create a resource with a server-assigned id (http://hl7.org/fhir/R4/http.html#create).

    `maintainer`: the domain writing its own derived view (records.derived); the FHIR API never sets it."""
    resource_type = resource.get("resourceType") if isinstance(resource, dict) else None
    with _audit(actor, "create", resource_type) as call:
        _writable_type(resource_type)
        checked = store.validate_resource(resource)
        call.patient_ids = _compartment(checked)
        access.check_write(actor, checked, call.patient_ids, "c")
        derived.check_not_derived(actor, resource_type, None, checked, maintainer=maintainer)
        saved = store.create_resource(checked, validated=True)  # validated once (the model check is ~0.2 ms)
        call.entity = f"{saved['resourceType']}/{saved['id']}"
        call.succeeded()
    return saved


@audited("create")
def conditional_create(actor, resource, query, *, maintainer=None):
    """Create unless `query` matches (http://hl7.org/fhir/R4/http.html#ccreate); return (resource, created)."""
    resource_type = resource.get("resourceType") if isinstance(resource, dict) else None
    # One "create if absent" at a time per criteria (as records.fhir.conditional does for conditional updates).
    serialise_on(f"fhir-match:{resource_type}?{urlencode(sorted(query))}")
    # Strict: an unknown parameter must not be dropped, or the rest would match (and return) anything.
    matches = search(actor, resource_type, router.conditional_criteria(query), strict=True).resources
    if len(matches) > 1:
        record_access(actor, "create", f"{resource_type}?{urlencode(query)}", outcome="failed",
                      detail="several matches for If-None-Exist")
        raise fhir_error(412, "duplicate", f"If-None-Exist {urlencode(query)!r} matches several resources.")
    if matches:
        return matches[0], False
    return create(actor, resource, maintainer=maintainer), True


@audited("update")
def update(actor, resource_type, resource_id, resource, if_match=None, *, skip_unchanged=False, maintainer=None):
    """Update (or create with a client id) a resource (http://hl7.org/fhir/R4/http.html#update); (resource, created).

    The resource is validated once and the stored row read once (with the row lock the write takes
    anyway). `skip_unchanged`: write no new version when the content is what is stored already
    (for derived views that are re-written whenever their source row changes); still audited.
    `maintainer`: the domain writing its own derived view (records.derived); the FHIR API never sets it.
    """
    with _audit(actor, "update", f"{resource_type}/{resource_id}") as call:
        _writable_type(resource_type)
        resource = {**resource, "id": resource_id} if isinstance(resource, dict) else resource
        checked = store.validate_resource(resource, expected_type=resource_type)
        row = store.locked_row(resource_type, resource_id)
        existing = store.row_content(row)
        if existing is not None:
            call.patient_ids = _compartment(existing)
            access.check_write(actor, existing, call.patient_ids)
        else:
            call.action = "create"  # update-as-create: audited as what it is, denied or not
        new_patients = _compartment(checked)
        call.patient_ids |= new_patients
        access.check_write(actor, checked, new_patients)
        derived.check_not_derived(actor, resource_type, resource_id, existing, checked, maintainer=maintainer)
        saved, created = store.update_resource(resource_type, resource_id, checked, if_match=if_match, validated=True,
                                               row=row, skip_unchanged=skip_unchanged)
        call.succeeded()
    return saved, created


@audited("delete")
def delete(actor, resource_type, resource_id, *, maintainer=None):
    """Delete a resource; later reads answer 410 (http://hl7.org/fhir/R4/http.html#delete)."""
    with _audit(actor, "delete", f"{resource_type}/{resource_id}") as call:
        _writable_type(resource_type)
        try:
            existing = store.read_resource(resource_type, resource_id)
        except FhirError as exc:
            if exc.status != 410:
                raise
            # Deleting twice is not an error, but only for whoever could have deleted it the first time.
            previous = _last_content(resource_type, resource_id)
            call.patient_ids = _compartment(previous)
            access.check_write(actor, previous or {"resourceType": resource_type}, call.patient_ids, "d")
            derived.check_not_derived(actor, resource_type, resource_id, previous, maintainer=maintainer)
            call.succeeded({"already_deleted": True})
            return None
        call.patient_ids = _compartment(existing)
        access.check_write(actor, existing, call.patient_ids, "d")
        deletion_guards.check(resource_type, resource_id, existing, call.patient_ids)  # e.g. a legal hold
        derived.check_not_derived(actor, resource_type, resource_id, existing, maintainer=maintainer)
        version = store.delete_resource(resource_type, resource_id)
        call.succeeded()
    return version


@audited("search")
def search(actor, resource_type, params, *, strict=False):
    """Search `resource_type` within what the actor may see (http://hl7.org/fhir/R4/search.html)."""
    params = list(params)
    with _audit(actor, "search", f"{resource_type}?{urlencode(params)}") as call:
        if any(has_nul(name, value) for name, value in params):  # e.g. %00 in If-None-Exist or a Bundle URL
            raise fhir_error(400, "invalid", "Search parameters must not contain NUL (U+0000) characters.")
        if resource_type in READ_ONLY_TYPES:
            access.check_type_readable(actor, resource_type)
            try:
                result = auditevents.search_events(params)
            except (auditevents.BadParameter, ValueError) as exc:
                raise fhir_error(400, "invalid", str(exc)) from None
        else:
            scope = access.search_scope(actor, resource_type)
            if actor.role == "patient":
                call.patient_ids = set(scope or ())
            result = scoped_search.run(actor, resource_type, params, scope, strict)
        call.succeeded({"total": result.total, "returned": len(result.resources)})
    return scoped_search.minimised(actor, result)


@audited("history")
def history(actor, resource_type=None, resource_id=None, *, since=None, count=50, offset=0):
    """Instance, type or system history (http://hl7.org/fhir/R4/http.html#history); (entries, total)."""
    entity = "/".join(p for p in (resource_type, resource_id) if p) + "/_history"
    with _audit(actor, "history", entity) as call:
        if resource_type in READ_ONLY_TYPES:
            raise fhir_error(404, "not-found", f"{resource_type} has no history.")
        if resource_id is None:
            access.check_history(actor, resource_type)
        else:
            # Every version must be readable: a record that moved between patients stays private.
            versions, _ = store.history(resource_type, resource_id, count=HISTORY_CHECK_LIMIT)
            if not versions:
                raise fhir_error(404, "not-found", f"{resource_type}/{resource_id} is not known.")
            for entry in versions:
                if entry.get("resource"):
                    patients = _compartment(entry["resource"])
                    call.patient_ids |= patients
                    access.check_read(actor, resource_type, patients)
        entries, total = store.history(resource_type, resource_id, since=since, count=count, offset=offset)
        call.succeeded({"total": total})
    if actor.role == "pharmacist":
        entries = [{**e, "resource": access.minimise(actor, e["resource"]) if e.get("resource") else None}
                   for e in entries]
    return entries, total


@audited("everything")
def everything(actor, patient_id, *, count=50, cursor=None):
    """Everything in a patient's compartment, paged (http://hl7.org/fhir/R4/patient-operation-everything.html)."""
    with _audit(actor, "everything", f"Patient/{patient_id}/$everything") as call:
        call.patient_ids = {patient_id}
        store.read_resource("Patient", patient_id)  # 404 / 410 before the access check
        access.check_patient_access(actor, patient_id)
        result = store.everything(patient_id, count=count, cursor=cursor)
        call.succeeded({"total": result.total})
    return result


def _operations(actor, maintainer=None):
    return transactions.Operations.bind(sys.modules[__name__], actor, maintainer=maintainer)


@audited("batch")
def batch(actor, bundle, *, base_url="", maintainer=None):
    """Process a batch Bundle: independent entries, each with its own outcome (http://hl7.org/fhir/R4/http.html#transaction)."""
    response = transactions.process_batch(bundle, _operations(actor, maintainer), base_url=base_url)
    record_access(actor, "batch", f"Bundle/batch ({len(response['entry'])} entries)")
    return response


@audited("transaction")
def transaction(actor, bundle, *, base_url="", maintainer=None):
    """Process a transaction Bundle atomically (http://hl7.org/fhir/R4/http.html#transaction); `maintainer`:
    the domain writing its own derived views in it (records.derived), never set by the FHIR API."""
    entries = bundle.get("entry")
    entity = f"Bundle/transaction ({len(entries) if isinstance(entries, list) else 0} entries)"
    try:
        response = transactions.process_transaction(bundle, _operations(actor, maintainer), base_url=base_url)
    except FhirError as exc:
        record_access(actor, "transaction", entity, outcome="failed", detail=f"{exc.status} {exc.diagnostics}")
        raise
    record_access(actor, "transaction", entity)
    return response


@audited("read")
def patient_summary(actor, patient_id, today):
    """A clinician's summary of a patient's record (records.summary), read and audited as `actor`."""
    return summary.patient_summary(actor, patient_id, today, search=search, read=read)
