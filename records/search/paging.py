"""_sort keys and keyset cursors (https://hl7.org/fhir/R4/search.html#sort, #count).

A cursor is base64url JSON of the last (or first) row's sort-key values and pk, so next/previous
pages stay correct while rows are inserted or deleted (no OFFSET). Values are only ever bound.
"""
import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from records.errors import FhirError
from records.models import INDEX_MODELS
from records.search.definitions import get_param
from records.search.values import MAX_DATETIME, MIN_DATETIME

SORTABLE = ("string", "token", "uri", "date", "quantity", "number")
_SENTINELS = {"date": (MIN_DATETIME, MAX_DATETIME), "string": ("", "\U0010ffff"), "token": ("", "\U0010ffff"),
              "number": (-1e308, 1e308)}


@dataclass(frozen=True)
class SortKey:
    """One _sort key: name, direction, value kind and (once built over a resource alias) its SQL expression."""

    name: str
    descending: bool
    kind: str  # date | string | token | number
    expression: object = None


def parse_sort(resource_type, raw_values, unsupported):
    """SortKeys without expressions for `_sort=a,-b` (see sort_expressions)."""
    keys = []
    for raw in raw_values:
        for item in filter(None, (s.strip() for s in raw.split(","))):
            descending = item.startswith("-")
            name = item.lstrip("-")
            kind = _sort_kind(resource_type, name)
            if kind is None:
                unsupported.append(("_sort", f"Cannot sort {resource_type} by {name!r}"))
            else:
                keys.append(SortKey(name, descending, kind))
    return keys


def _sort_kind(resource_type, name):
    if name == "_id":
        return "string"
    if name == "_lastUpdated":
        return "date"
    param = get_param(resource_type, name)
    if param is None or param.type not in SORTABLE:
        return None
    return {"uri": "token", "quantity": "number"}.get(param.type, param.type)


def sort_expressions(res, resource_type, keys):
    """The keys with their SQL expressions over `res` (NULLs sort last in either direction)."""
    return [SortKey(k.name, k.descending, k.kind, _expression(res, resource_type, k)) for k in keys]


def _expression(res, resource_type, key):
    if key.name == "_id":
        return res.c.id
    if key.name == "_lastUpdated":
        return res.c.last_updated
    idx = INDEX_MODELS[get_param(resource_type, key.name).type].__table__.alias()
    # Spec: ascending sorts on the lowest value, descending on the highest.
    if key.kind == "string":
        column = idx.c.value
    elif key.kind == "token":
        column = idx.c.code
    else:
        column = idx.c.high if key.descending else idx.c.low
    agg = func.max(column) if key.descending else func.min(column)
    low, high = _SENTINELS[key.kind]
    value = select(agg).where(idx.c.resource_pk == res.c.pk, idx.c.param == key.name).scalar_subquery()
    return func.coalesce(value, low if key.descending else high)


def order_by(keys, pk, reverse=False):
    """ORDER BY clauses: the keys then pk; `reverse` flips everything (for a previous page)."""
    out = []
    for key in keys:
        out.append(key.expression.asc() if key.descending == reverse else key.expression.desc())
    out.append(pk.desc() if reverse else pk.asc())
    return out


def after(keys, pk, values, last_pk, reverse=False):
    """Keyset predicate: rows strictly after (or before, when `reverse`) the position (values, last_pk)."""
    clause = pk < last_pk if reverse else pk > last_pk
    for key, value in reversed(list(zip(keys, values))):
        forward = key.descending == reverse
        beyond = key.expression > value if forward else key.expression < value
        clause = or_(beyond, and_(key.expression == value, clause))
    return clause


def encode_cursor(direction, keys, values, pk):
    """Opaque cursor for the position (values, pk) going `direction` ('next' | 'prev')."""
    payload = {"d": direction, "s": [k.name if not k.descending else "-" + k.name for k in keys],
               "v": [v.isoformat() if isinstance(v, datetime) else v for v in values], "p": pk}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _cursor_value(kind, value):
    """A sort-key value from a cursor, checked against its kind: a client can hand us any JSON."""
    if value is None:
        return None
    if kind == "date":
        return datetime.fromisoformat(value)
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool) \
            and abs(value) <= _SENTINELS["number"][1]:
        return value
    if kind in ("string", "token") and isinstance(value, str) and "\x00" not in value:
        return value
    raise ValueError(f"bad {kind} value in cursor")


def _cursor_pk(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise ValueError("bad position in cursor")
    return value


def decode_cursor(cursor, keys):
    """(direction, values, pk) from a cursor made for the same sort; FhirError 400 otherwise."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if payload["s"] != [k.name if not k.descending else "-" + k.name for k in keys]:
            raise ValueError("cursor made for another sort")
        values = [_cursor_value(k.kind, v) for k, v in zip(keys, payload["v"])]
        if payload["d"] not in ("next", "prev") or len(values) != len(keys):
            raise ValueError("malformed cursor")
        return payload["d"], values, _cursor_pk(payload["p"])
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError) as error:
        raise FhirError(400, "invalid", f"Invalid _cursor: {error}", ["_cursor"]) from None
