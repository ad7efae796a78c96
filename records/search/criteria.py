"""SQL for search criteria: one EXISTS probe into an index table per parameter (bound values only).

Matching rules per type: https://hl7.org/fhir/R4/search.html (string, token, reference, date,
number/quantity, :missing, :not, :exact, :contains, :text, chaining).
"""
from datetime import timedelta

from sqlalchemy import and_, exists, false, not_, or_, select, true

from core import clock
from records.models import INDEX_MODELS, Resource
from records.search.parse import split_prefix
from records.search.values import normalise_string, parse_date_range, parse_number_range, prefix_upper_bound, split_reference


def criterion_clause(res, crit):
    """A boolean SQL expression over the resource alias `res` for one Criterion."""
    param = crit.param
    if param.name == "_id":
        return _id_clause(res, crit)
    if param.name == "_lastUpdated":
        return or_(*[_date_match(res.c.last_updated, res.c.last_updated, v, point=True) for v in crit.values])
    model = INDEX_MODELS[param.type]
    idx = model.__table__.alias()
    base = [idx.c.resource_pk == res.c.pk, idx.c.resource_type == param.resource_type, idx.c.param == param.name]
    if crit.modifier == "missing":
        present = exists().where(*base)
        return not_(present) if crit.values[-1] == "true" else present
    if crit.chain:
        return exists().where(*base, or_(*[_chain(idx, t, c) for t, c in crit.chain.items()]))
    matchers = [_value_clause(idx, crit, v) for v in crit.values]
    if crit.modifier == "not":
        return not_(exists().where(*base, or_(*matchers)))
    return exists().where(*base, or_(*matchers))


def _id_clause(res, crit):
    ids = [v.rsplit("/", 1)[-1] for v in crit.values]
    return res.c.id.not_in(ids) if crit.modifier == "not" else res.c.id.in_(ids)


def _chain(idx, target_type, inner):
    target = Resource.__table__.alias()
    matching = select(target.c.id).where(target.c.resource_type == target_type, target.c.deleted.is_(False),
                                       criterion_clause(target, inner))
    return and_(idx.c.target_type == target_type, idx.c.target_id.in_(matching))


def _value_clause(idx, crit, value):
    kind = crit.param.type
    if kind == "string":
        return _string(idx, crit.modifier, value)
    if kind in ("token", "uri"):
        return _token(idx, crit.modifier, value)
    if kind == "reference":
        return _reference(idx, crit.target_types, value)
    if kind == "date":
        return _date_match(idx.c.low, idx.c.high, value)
    return _quantity(idx, value)


def _string(idx, modifier, value):
    if modifier == "exact":
        return idx.c.exact == value
    norm = normalise_string(value)
    if modifier == "contains":
        return idx.c.value.contains(norm, autoescape=True)
    if not norm:
        return true()
    return and_(idx.c.value >= norm, idx.c.value < prefix_upper_bound(norm))


def _token(idx, modifier, value):
    if modifier == "text":
        norm = normalise_string(value)
        return and_(idx.c.text >= norm, idx.c.text < prefix_upper_bound(norm)) if norm else idx.c.text.is_not(None)
    if "|" not in value:
        return idx.c.code == value
    system, code = value.split("|", 1)
    if not system:
        return and_(idx.c.system.is_(None), idx.c.code == code)
    if not code:
        return idx.c.system == system
    return and_(idx.c.system == system, idx.c.code == code)


def _reference(idx, target_types, value):
    ref_type, ref_id = split_reference(value) if "/" in value else (None, value)
    if ref_id is None:  # a canonical or other non-Type/id reference: match it as written
        return idx.c.reference == value
    clauses = [idx.c.target_id == ref_id]
    wanted = ref_type or (target_types[0] if target_types else None)
    if wanted:
        clauses.append(idx.c.target_type == wanted)
    return and_(*clauses)


def _date_match(low, high, value, point=False):
    """Target [low, high) against the search value's range, per the prefix table of the spec."""
    prefix, text = split_prefix("date", value)
    s_low, s_high = parse_date_range(text)
    # For a point-in-time column, "high <= x" becomes "low < x" and "high > x" becomes "low >= x".
    high_le = (lambda x: low < x) if point else (lambda x: high <= x)
    high_gt = (lambda x: low >= x) if point else (lambda x: high > x)
    within = and_(low >= s_low, high_le(s_high))
    if prefix == "eq":
        return within
    if prefix == "ne":
        return not_(within)
    if prefix == "gt":
        return high_gt(s_high)
    if prefix == "ge":
        return or_(high_gt(s_high), within)
    if prefix == "lt":
        return low < s_low
    if prefix == "le":
        return or_(low < s_low, within)
    if prefix == "sa":
        return low >= s_high
    if prefix == "eb":
        return high_le(s_low)
    margin = max(abs(clock.now() - s_low) * 0.1, timedelta(days=1))  # ap: within 10% of the distance to now
    return and_(low < s_high + margin, high_gt(s_low - margin))


def _quantity(idx, value):
    prefix, text = split_prefix("quantity", value)
    number, system, code = (text.split("|") + [None, None])[:3]
    exact, s_low, s_high = parse_number_range(number)
    clauses = []
    if system:
        clauses.append(idx.c.system == system)
    if code:
        clauses.append(idx.c.code == code)
    within = and_(idx.c.low >= s_low, idx.c.high < s_high)
    clauses.append({
        "eq": within, "ne": not_(within),
        "gt": idx.c.high > exact, "lt": idx.c.low < exact, "ge": idx.c.high >= exact, "le": idx.c.low <= exact,
        "sa": idx.c.low > exact, "eb": idx.c.high < exact,
        "ap": and_(idx.c.low <= exact + abs(exact) * 0.1, idx.c.high >= exact - abs(exact) * 0.1),
    }[prefix])
    return and_(*clauses)


def patient_filter(res, resource_type, patient_ids):
    """Restrict `res` to the compartments of `patient_ids` (for Patient: to those ids)."""
    from records.models import CompartmentMember

    if not patient_ids:
        return false()
    ids = sorted(patient_ids)
    if resource_type == "Patient":
        return res.c.id.in_(ids)
    member = CompartmentMember.__table__.alias()
    return exists().where(member.c.resource_pk == res.c.pk, member.c.patient_id.in_(ids))
