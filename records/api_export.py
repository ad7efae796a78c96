"""Bulk export reads of the records service API (re-exported by records.api): one page at a time, so an
export of a million resources never holds more than a page (https://hl7.org/fhir/uv/bulkdata/export.html)."""
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import exists, select

from core.audit import audited
from core.extensions import db
from records import access, compartment
from records.api_audit import _audit
from records.fhir.outcome import fhir_error
from records.models import Resource
from records.errors import FhirError
from records.search import engine
from records.search.limits import MAX_VALUES
from records.validation import model_class

EXPORT_PAGE = 500  # resources per page: records.search.limits.MAX_COUNT


def stored_types():
    """The supported resource types the store holds any resource of, sorted (one indexed EXISTS per type:
    cheaper than a DISTINCT over millions of rows)."""
    from records.fhir.capability import READ_ONLY, supported_types

    return [t for t in sorted(supported_types() - READ_ONLY)
            if db.session.scalar(select(exists().where(Resource.resource_type == t)))]


def compartment_types():
    """The types that can be in a Patient's compartment (what Patient- and Group-level exports cover)."""
    return compartment.compartment_types()


def check_type(resource_type):
    """FhirError 400 unless `resource_type` is a FHIR resource type."""
    try:
        model_class(resource_type)
    except FhirError:
        raise fhir_error(400, "invalid", f"{resource_type!r} is not a resource type.") from None


def parse_type_filter(text):
    """("Type", [(name, value)]) of a _typeFilter value "Type?name=value&..."; FhirError 400 when malformed."""
    resource_type, _, query = (text or "").partition("?")
    check_type(resource_type)
    params = parse_qsl(query, keep_blank_values=False)
    if not params or any(name.startswith("_") and name not in ("_id", "_lastUpdated", "_tag", "_profile")
                         for name, _ in params):
        raise fhir_error(400, "invalid", f"_typeFilter {text!r} needs search parameters (no control ones).")
    return resource_type, params


@audited("export")
def export_page(actor, resource_type, params, *, patient_ids=None, cursor=None, page_size=None, unless=()):
    """One page (`page_size`, at most EXPORT_PAGE) of `resource_type` matching `params` that the actor may read,
    limited to `patient_ids` (None: every patient); returns (resources, next cursor or None). Resources that
    also match one of the searches `unless` are left out of the page (the _typeFilters exported before this
    one: a resource matching two is exported once). Unsupported parameters are refused."""
    size = min(page_size or EXPORT_PAGE, EXPORT_PAGE)
    query = [*params, ("_count", str(size)), ("_total", "none")] + ([("_cursor", cursor)] if cursor else [])
    with _audit(actor, "export", f"{resource_type}?{urlencode(params)}"[:200]) as call:
        scope = access.search_scope(actor, resource_type)
        allowed = patient_ids if scope is None else (set(scope) & set(patient_ids) if patient_ids is not None
                                                        else scope)
        result = engine.search(resource_type, query, patient_ids=allowed, strict=True)
        resources = _not_matching(resource_type, result.resources, unless, allowed)
        call.succeeded({"returned": len(resources)})
    return resources, result.next_cursor


def _not_matching(resource_type, resources, searches, patient_ids):
    """`resources` less those an earlier search also matches (asked with `_id` = the page's ids, in as few
    searches as the limit on OR values allows)."""
    for params in searches:
        room = max(1, MAX_VALUES - sum(len(value.split(",")) for _, value in params))
        ids = [r["id"] for r in resources]
        seen = set()
        for start in range(0, len(ids), room):
            chunk = ids[start:start + room]
            query = [*params, ("_id", ",".join(chunk)), ("_count", str(len(chunk))), ("_total", "none")]
            seen.update(r["id"] for r in engine.search(resource_type, query, patient_ids=patient_ids,
                                                       strict=True).resources)
        resources = [r for r in resources if r["id"] not in seen]
    return resources
