"""Run a FHIR search: criteria, patient restriction, sort, keyset paging, totals, includes.

https://hl7.org/fhir/R4/search.html and https://hl7.org/fhir/R4/operation-patient-everything.html
"""
import json
from dataclasses import dataclass, field

from sqlalchemy import func, select

from core.extensions import db
from records.errors import FhirError
from records.models import Resource
from records.search import includes
from records.search.criteria import criterion_clause, patient_filter
from records.search.paging import after, decode_cursor, encode_cursor, order_by, parse_sort
from records.search.parse import parse_criterion

DEFAULT_COUNT, MAX_COUNT = 20, 500
BOUNDED_TOTAL = 1000  # default total: counted exactly up to this many matches, else left out
IGNORED = {"_format", "_pretty"}
CONTROL = {"_count", "_sort", "_total", "_summary", "_include", "_revinclude", "_cursor", "_elements"}


@dataclass
class SearchResult:
    """One page of a search, ready for a searchset Bundle."""

    resources: list
    included: list = field(default_factory=list)
    total: int | None = None
    next_cursor: str | None = None
    prev_cursor: str | None = None
    count: int = DEFAULT_COUNT
    summary_count_only: bool = False
    unsupported: list = field(default_factory=list)
    params: list = field(default_factory=list)


def _count_param(values):
    try:
        count = int(values[-1])
    except ValueError:
        raise FhirError(400, "invalid", "_count must be a whole number", ["_count"]) from None
    if count < 0:
        raise FhirError(400, "invalid", "_count must not be negative", ["_count"])
    return min(count, MAX_COUNT)


def search(resource_type, params, *, patient_ids=None, strict=False):
    """Search `resource_type` with [(name, value)] query params; see SearchResult."""
    from records.validation import model_class

    model_class(resource_type)
    res = Resource.__table__.alias()
    unsupported, control, echo, clauses = [], {}, [], []
    for name, value in params:
        if name in IGNORED:
            continue
        if name in CONTROL:
            control.setdefault(name, []).append(value)
            if name != "_cursor":
                echo.append((name, value))
            continue
        crit = parse_criterion(resource_type, name, value, unsupported)
        if crit is not None:
            clauses.append(criterion_clause(res, crit))
            echo.append((name, value))
    keys = parse_sort(res, resource_type, control.get("_sort", []), unsupported)
    if strict and unsupported:
        raise FhirError(400, "not-supported", "; ".join(msg for _, msg in unsupported), [n for n, _ in unsupported])
    where = [res.c.resource_type == resource_type, res.c.deleted.is_(False), *clauses]
    if patient_ids is not None:
        where.append(patient_filter(res, resource_type, patient_ids))
    count = _count_param(control["_count"]) if "_count" in control else DEFAULT_COUNT
    total_mode = (control.get("_total") or ["default"])[-1]
    summary_count = (control.get("_summary") or [""])[-1] == "count" or count == 0
    result = SearchResult([], count=count, unsupported=unsupported, params=echo, summary_count_only=summary_count)
    result.total = _total(res, where, "accurate" if summary_count else total_mode)
    if summary_count:
        return result
    _page(result, res, where, keys, (control.get("_cursor") or [None])[-1])
    result.included = includes.resolve(resource_type, result.resources, control, patient_ids, unsupported)
    _apply_elements(result, control.get("_elements"))
    return result


def _total(res, where, mode):
    if mode == "none":
        return None
    matching = select(res.c.pk).where(*where)
    if mode == "accurate":
        return db.session.scalar(select(func.count()).select_from(matching.subquery()))
    bounded = db.session.scalar(select(func.count()).select_from(matching.limit(BOUNDED_TOTAL + 1).subquery()))
    return bounded if bounded <= BOUNDED_TOTAL else None


def _page(result, res, where, keys, cursor):
    """Fill result.resources and the cursors, fetching one extra row to know if there is more."""
    direction, values, last_pk = decode_cursor(cursor, keys) if cursor else ("next", None, None)
    reverse = direction == "prev"
    stmt = select(res.c.pk, res.c.content, *[k.expression.label(f"k{i}") for i, k in enumerate(keys)]).where(*where)
    if cursor:
        stmt = stmt.where(after(keys, res.c.pk, values, last_pk, reverse=reverse))
    rows = db.session.execute(stmt.order_by(*order_by(keys, res.c.pk, reverse)).limit(result.count + 1)).all()
    more = len(rows) > result.count
    rows = rows[:result.count]
    if reverse:
        rows.reverse()
    result.resources = [json.loads(row.content) for row in rows]
    if not rows:
        return
    first, last = _position(rows[0], keys), _position(rows[-1], keys)
    if reverse:
        result.next_cursor = encode_cursor("next", keys, *last)
        result.prev_cursor = encode_cursor("prev", keys, *first) if more else None
    else:
        result.next_cursor = encode_cursor("next", keys, *last) if more else None
        result.prev_cursor = encode_cursor("prev", keys, *first) if cursor else None


def _position(row, keys):
    return [row[2 + i] for i in range(len(keys))], row.pk


def _apply_elements(result, elements):
    """_elements: keep only the listed top-level elements (plus mandatory ones), tagged SUBSETTED."""
    if not elements:
        return
    keep = {"resourceType", "id", "meta"} | {e.strip() for v in elements for e in v.split(",") if e.strip()}
    for i, resource in enumerate(result.resources):
        trimmed = {k: v for k, v in resource.items() if k in keep}
        meta = dict(trimmed.get("meta") or {})
        meta["tag"] = [*meta.get("tag", []), {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
                                             "code": "SUBSETTED"}]
        trimmed["meta"] = meta
        result.resources[i] = trimmed


def everything(patient_id, *, count=DEFAULT_COUNT, cursor=None):
    """Patient/$everything: the Patient and every resource in its compartment, paged by pk."""
    from records.models import CompartmentMember
    from records.store import read_resource

    read_resource("Patient", patient_id)  # 404 / 410 when there is no such Patient
    res = Resource.__table__.alias()
    member = CompartmentMember.__table__.alias()
    in_compartment = select(member.c.resource_pk).where(member.c.patient_id == patient_id)
    where = [res.c.pk.in_(in_compartment), res.c.deleted.is_(False)]
    result = SearchResult([], count=min(max(int(count), 1), MAX_COUNT), params=[("_count", str(count))])
    result.total = _total(res, where, "default")
    _page(result, res, where, [], cursor)
    result.included = includes.referenced_outside_compartments(result.resources)
    return result
