"""Run a FHIR search: criteria, patient restriction, sort, keyset paging, totals, includes.

https://hl7.org/fhir/R4/search.html and https://hl7.org/fhir/R4/operation-patient-everything.html
"""
import json
from dataclasses import dataclass, field

from core.dbutil import fetch_all, read_connection
from records.errors import FhirError
from records import subsetting
from records.reads import read_resource
from records.search import chains, includes, limits, statements
from records.search.binds import analyse
from records.search.paging import decode_cursor, encode_cursor, parse_sort
from records.search.parse import parse_criterion
from records.validation import model_class

DEFAULT_COUNT = 20
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


def _count_param(values, unsupported):
    try:
        count = int(values[-1])
    except ValueError:
        raise FhirError(400, "invalid", "_count must be a whole number", ["_count"]) from None
    if count < 0:
        raise FhirError(400, "invalid", "_count must not be negative", ["_count"])
    return limits.capped_count(count, unsupported)


def search(resource_type, params, *, patient_ids=None, strict=False):
    """Search `resource_type` with [(name, value)] query params; see SearchResult."""
    model_class(resource_type)
    unsupported, control, echo, crits = [], {}, [], []
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
            crits.append(crit)
            echo.append((name, value))
    limits.check_criteria(crits, ignored=len(unsupported))
    subset = subsetting.requested(params)  # a bad _summary is the client's 400 before any SQL
    keys = parse_sort(resource_type, control.get("_sort", []), unsupported)
    count = _count_param(control["_count"], unsupported) if "_count" in control else DEFAULT_COUNT
    if strict and unsupported:
        raise FhirError(400, "not-supported", "; ".join(msg for _, msg in unsupported), [n for n, _ in unsupported])
    total_mode = (control.get("_total") or ["default"])[-1]
    summary_count = (control.get("_summary") or [""])[-1] == "count" or count == 0
    result = SearchResult([], count=count, unsupported=unsupported, params=echo, summary_count_only=summary_count)
    values = {}
    shapes = tuple(analyse(crit, f"c{i}_", values) for i, crit in enumerate(crits))
    scope = _scope(patient_ids, values)
    if summary_count:
        shape = statements.SearchShape(resource_type, shapes, (), scope, None, "accurate")
        with read_connection() as connection:
            result.total = connection.scalar(statements.for_shape(shape).count, values)
        return result
    cursor = (control.get("_cursor") or [None])[-1]
    direction = _bind_cursor(cursor, keys, values)
    chain_probe = chains.targets_are_many(resource_type, shapes, values, keys)
    kind = "accurate" if total_mode == "accurate" else "none" if total_mode == "none" or chain_probe else "bounded"
    stmts = statements.for_shape(statements.SearchShape(resource_type, shapes, tuple(keys), scope, direction, kind,
                                                        chain_probe))
    _page(result, stmts, keys, values, direction, kind)
    result.included = includes.resolve(resource_type, result.resources, control, patient_ids, unsupported)
    _subset(result, *subset)
    return result


def _scope(patient_ids, values):
    """The SearchShape's scope; the patient ids are bound as `scope`."""
    if patient_ids is None:
        return None
    if not patient_ids:
        return "empty"
    values["scope"] = sorted(patient_ids)
    return "patients"


def _bind_cursor(cursor, keys, values):
    """The cursor's direction (None without one); its position is bound as after_pk, after_<i>."""
    if not cursor:
        return None
    direction, positions, last_pk = decode_cursor(cursor, keys)
    values.update({f"after_{i}": v for i, v in enumerate(positions)}, after_pk=last_pk)
    return direction


def _page(result, stmts, keys, values, direction, total_kind):
    """Fill result.resources, the cursors and the total from one statement (one row more than the page
    tells whether there is more; the total rides along as a column)."""
    total = None
    rows = fetch_all(stmts.page, {**values, "limit": result.count + 1})  # outside a transaction: no BEGIN, COMMIT
    if total_kind != "none":
        total = rows[0].total if rows else 0
        if not rows and direction:
            with read_connection() as connection:
                total = connection.scalar(stmts.count, values)
    reverse = direction == "prev"
    more = len(rows) > result.count
    if total_kind != "none":
        result.total = total if total_kind == "accurate" or total <= statements.BOUNDED_TOTAL else None
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
        result.prev_cursor = encode_cursor("prev", keys, *first) if direction else None


def _position(row, keys):
    return [row[2 + i] for i in range(len(keys))], row.pk


def _subset(result, summary, elements):
    """_summary (true, text, data) and _elements on the matches and the included (records.subsetting)."""
    if summary or elements:
        result.resources = [subsetting.subset(r, summary, elements) for r in result.resources]
        result.included = [subsetting.subset(r, summary, elements) for r in result.included]


def everything(patient_id, *, count=DEFAULT_COUNT, cursor=None):
    """Patient/$everything: the Patient and every resource in its compartment, paged by pk."""
    read_resource("Patient", patient_id)  # 404 / 410 when there is no such Patient
    result = SearchResult([], count=min(max(int(count), 1), limits.MAX_COUNT), params=[("_count", str(count))])
    values = {"patient_id": patient_id}
    direction = _bind_cursor(cursor, [], values)
    _page(result, statements.for_everything(direction), [], values, direction, "bounded")
    result.included = includes.referenced_outside_compartments(result.resources)
    return result
