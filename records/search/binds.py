"""A search criterion split into its shape and its bound values (pure logic: no Flask, no database).

The shape says which SQL a criterion needs (parameter, modifier, one *form* per OR'd value, e.g. a token
`system|code` or a bare `code`, a date prefix); the values are what gets bound. The SQL builders
(criteria.py) see only shapes and bind-parameter names, never a value, so one statement built per shape
(statements.py) serves every request of that shape and cannot carry one request's values into another.
Each value is named `<prefix><value index>_<slot>`; `<prefix>` is unique per criterion.
"""
from dataclasses import dataclass
from datetime import timedelta

from core import clock
from records.search.parse import split_prefix
from records.search.values import (normalise_string, parse_date_range, parse_number_range, prefix_upper_bound,
                                   split_reference)


@dataclass(frozen=True)
class Shape:
    """What a Criterion needs in SQL, without its values: hashable, the statement cache's key part."""

    param: object  # definitions.SearchParam (frozen)
    modifier: str | None
    target_types: tuple
    forms: tuple = ()  # one per OR'd value; ("missing", bool) or ("ids",) for the value-less kinds
    chain: tuple = ()  # ((target type, inner Shape), ...) for a chained criterion


def value_names(prefix, index, count):
    """The bind names of value `index`'s `count` slots."""
    return [f"{prefix}{index}_{slot}" for slot in range(count)]


def analyse(crit, prefix, values):
    """The criterion's Shape; its bound values are added to `values` under names starting with `prefix`."""
    param = crit.param
    if crit.chain:
        inner = tuple((t, analyse(c, f"{prefix}{t}_", values)) for t, c in crit.chain.items())
        return Shape(param, None, crit.target_types, (), inner)
    if crit.modifier == "missing":
        return Shape(param, "missing", crit.target_types, (("missing", crit.values[-1] == "true"),))
    if param.name == "_id":
        values[f"{prefix}ids"] = [v.rsplit("/", 1)[-1] for v in crit.values]
        return Shape(param, crit.modifier, crit.target_types, (("ids",),))
    forms = []
    for index, value in enumerate(crit.values):
        form, bound = _value_form(param, crit.modifier, crit.target_types, value)
        values.update(zip(value_names(prefix, index, len(bound)), bound))
        forms.append(form)
    return Shape(param, crit.modifier, crit.target_types, tuple(forms))


def _value_form(param, modifier, target_types, value):
    """(form, bound values) of one value; the form decides the SQL, the values fill it."""
    if param.name == "_lastUpdated" or param.type == "date":
        return _date_form(value)
    if param.type == "string":
        return _string_form(modifier, value)
    if param.type in ("token", "uri"):
        return _token_form(modifier, value)
    if param.type == "reference":
        return _reference_form(target_types, value)
    return _quantity_form(value)


def _string_form(modifier, value):
    if modifier == "exact":
        return ("exact",), (value,)
    norm = normalise_string(value)
    if modifier == "contains":
        # LIKE with "/" as the escape character, as SQLAlchemy's contains(autoescape=True) writes it.
        escaped = norm.replace("/", "//").replace("%", "/%").replace("_", "/_")
        return ("contains",), (f"%{escaped}%",)
    if not norm:
        return ("any",), ()
    return ("prefix",), (norm, prefix_upper_bound(norm))


def _token_form(modifier, value):
    if modifier == "text":
        norm = normalise_string(value)
        return (("text",), (norm, prefix_upper_bound(norm))) if norm else (("any-text",), ())
    if "|" not in value:
        return ("code",), (value,)
    system, code = value.split("|", 1)
    if not system:
        return ("no-system",), (code,)
    if not code:
        return ("system",), (system,)
    return ("system-code",), (system, code)


def _reference_form(target_types, value):
    ref_type, ref_id = split_reference(value) if "/" in value else (None, value)
    if ref_id is None:  # a canonical or other non-Type/id reference: match it as written
        return ("as-written",), (value,)
    wanted = ref_type or (target_types[0] if target_types else None)
    return (("typed",), (ref_id, wanted)) if wanted else (("id",), (ref_id,))


def _date_form(value):
    """("date", prefix) with (low, high) of the search range; for `ap` widened by the margin."""
    prefix, text = split_prefix("date", value)
    low, high = parse_date_range(text)
    if prefix == "ap":  # within 10% of the distance to now
        margin = max(abs(clock.now() - low) * 0.1, timedelta(days=1))
        low, high = low - margin, high + margin
    return ("date", prefix), (low, high)


def _quantity_form(value):
    """("quantity", prefix, has system, has code) with [system] [code] and the prefix's numbers."""
    prefix, text = split_prefix("quantity", value)
    number, system, code = (text.split("|") + [None, None])[:3]
    exact, low, high = parse_number_range(number)
    bound = [v for v in (system, code) if v]
    if prefix in ("eq", "ne"):
        bound += [low, high]
    elif prefix == "ap":
        bound += [exact + abs(exact) * 0.1, exact - abs(exact) * 0.1]
    else:
        bound.append(exact)
    return ("quantity", prefix, bool(system), bool(code)), tuple(bound)


def is_ordered(shape):
    """True when the criterion is one equality on a token code or reference target: those columns
    fully precede resource_pk in the lookup indexes, so matches come out in resource_pk order."""
    if shape.modifier or shape.chain or len(shape.forms) != 1 or shape.param.type not in ("token", "reference"):
        return False
    return shape.forms[0][0] in ("code", "no-system", "system-code", "typed", "id")
