"""SQL for search criteria: one EXISTS probe into an index table per parameter, built from a criterion's
Shape (binds.py) with named bind parameters only, so that the statement serves every request of its shape.

Matching rules per type: https://hl7.org/fhir/R4/search.html (string, token, reference, date,
number/quantity, :missing, :not, :exact, :contains, :text, chaining).

A `probe` is a criterion tested row by row beside an index range that drives the search in pk order:
its EXISTS carries OFFSET 0, which keeps PostgreSQL from flattening it into a semi-join (a merge
semi-join walks the probe's whole index range in pk order up to the driver's rows: at 1.5M resources,
every Observation of a code before the patient's). A probed chain looks up each row's own target
instead of resolving every target first (docs/SCALING.md).
"""
from sqlalchemy import and_, bindparam, exists, false, literal, not_, or_, select, true

from records.models import INDEX_MODELS, Resource
from records.search.binds import value_names


def needs_row(shape):
    """True when the criterion reads columns of the resource row (not only index rows)."""
    return shape.param.name in ("_id", "_lastUpdated")


def criterion_clause(res, shape, prefix, pk=None, probe=False):
    """A boolean SQL expression for one criterion Shape whose values are bound under `prefix`
    (binds.analyse), correlated on `pk` (default: the alias `res`'s pk); `probe`: tested row by row."""
    param = shape.param
    pk = res.c.pk if pk is None else pk
    if param.name in ("_id", "_lastUpdated") and shape.modifier == "missing":
        return false() if shape.forms[0][1] else true()  # every resource has an id and lastUpdated
    if param.name == "_id":
        ids = bindparam(f"{prefix}ids", expanding=True)
        return res.c.id.not_in(ids) if shape.modifier == "not" else res.c.id.in_(ids)
    if param.name == "_lastUpdated":
        return or_(*[_date_match(res.c.last_updated, res.c.last_updated, form, value_names(prefix, i, 2), point=True)
                     for i, form in enumerate(shape.forms)])
    model = INDEX_MODELS[param.type]
    idx = model.__table__.alias()
    base = [idx.c.resource_pk == pk, idx.c.resource_type == param.resource_type, idx.c.param == param.name]
    if shape.modifier == "missing":
        present = _exists(base, probe)
        return not_(present) if shape.forms[0][1] else present
    if shape.chain:
        chain = _chain_probe if probe else _chain
        return _exists(base + [or_(*[chain(idx, t, inner, f"{prefix}{t}_") for t, inner in shape.chain])], probe)
    matchers = _value_clauses(idx, shape, prefix)
    if shape.modifier == "not":
        return not_(_exists(base + [or_(*matchers)], probe))
    return _exists(base + [or_(*matchers)], probe)


def _exists(conditions, probe):
    """EXISTS (index rows meeting `conditions`); a probe's stays a per-row subplan (OFFSET 0, see above)."""
    if not probe:
        return exists().where(*conditions)
    return select(literal(1)).where(*conditions).offset(0).exists()


def index_conditions(shape, prefix):
    """(index alias, conditions) for a criterion that index rows alone satisfy (not :missing, :not,
    chained or a column param), else None. Such a criterion can drive the query."""
    param = shape.param
    if param.name in ("_id", "_lastUpdated") or shape.chain or shape.modifier in ("missing", "not"):
        return None
    idx = INDEX_MODELS[param.type].__table__.alias()
    return idx, [idx.c.resource_type == param.resource_type, idx.c.param == param.name,
                 or_(*_value_clauses(idx, shape, prefix))]


def _chain(idx, target_type, inner, prefix):
    target = Resource.__table__.alias()
    matching = select(target.c.id).where(target.c.resource_type == target_type, target.c.deleted.is_(False),
                                       criterion_clause(target, inner, prefix))
    return and_(idx.c.target_type == target_type, idx.c.target_id.in_(matching))


def _chain_probe(idx, target_type, inner, prefix):
    """The chain for one row: its own target (by type and id) meets the inner criterion."""
    target = Resource.__table__.alias()
    return and_(idx.c.target_type == target_type, exists().where(
        target.c.resource_type == target_type, target.c.id == idx.c.target_id, target.c.deleted.is_(False),
        criterion_clause(target, inner, prefix)))


def _value_clauses(idx, shape, prefix):
    """One SQL condition per OR'd value, from its form; the values are bind parameters."""
    out = []
    for index, form in enumerate(shape.forms):
        names = value_names(prefix, index, 4)  # at most 4 slots per value (a quantity's system, code, low, high)
        binds = [bindparam(name) for name in names]
        kind = shape.param.type
        if kind == "string":
            out.append(_string(idx, form, binds))
        elif kind in ("token", "uri"):
            out.append(_token(idx, form, binds))
        elif kind == "reference":
            out.append(_reference(idx, form, binds))
        elif kind == "date":
            out.append(_date_match(idx.c.low, idx.c.high, form, names))
        else:
            out.append(_quantity(idx, form, binds))
    return out


def _string(idx, form, binds):
    kind = form[0]
    if kind == "exact":
        return idx.c.exact == binds[0]
    if kind == "contains":
        return idx.c.value.like(binds[0], escape="/")
    if kind == "any":
        return true()
    return and_(idx.c.value >= binds[0], idx.c.value < binds[1])


def _token(idx, form, binds):
    kind = form[0]
    if kind == "text":
        return and_(idx.c.text >= binds[0], idx.c.text < binds[1])
    if kind == "any-text":
        return idx.c.text.is_not(None)
    if kind == "code":
        return idx.c.code == binds[0]
    if kind == "no-system":
        return and_(idx.c.system.is_(None), idx.c.code == binds[0])
    if kind == "system":
        return idx.c.system == binds[0]
    return and_(idx.c.system == binds[0], idx.c.code == binds[1])


def _reference(idx, form, binds):
    kind = form[0]
    if kind == "as-written":
        return idx.c.reference == binds[0]
    if kind == "typed":
        return and_(idx.c.target_id == binds[0], idx.c.target_type == binds[1])
    return idx.c.target_id == binds[0]


def _date_match(low, high, form, names, point=False):
    """Target [low, high) against the search value's range (bound as names[0], names[1]), per the
    prefix table of the spec; `ap` comes with its margin already added (binds._date_form)."""
    prefix = form[1]
    s_low, s_high = bindparam(names[0]), bindparam(names[1])
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
    return and_(low < s_high, high_gt(s_low))  # ap


def _quantity(idx, form, binds):
    _, prefix, has_system, has_code = form
    binds = iter(binds)
    clauses = []
    if has_system:
        clauses.append(idx.c.system == next(binds))
    if has_code:
        clauses.append(idx.c.code == next(binds))
    first = next(binds)
    if prefix in ("eq", "ne"):
        within = and_(idx.c.low >= first, idx.c.high < next(binds))
        clauses.append(within if prefix == "eq" else not_(within))
    elif prefix == "ap":
        clauses.append(and_(idx.c.low <= first, idx.c.high >= next(binds)))
    else:
        clauses.append({"gt": idx.c.high > first, "lt": idx.c.low < first, "ge": idx.c.high >= first,
                        "le": idx.c.low <= first, "sa": idx.c.low > first, "eb": idx.c.high < first}[prefix])
    return and_(*clauses)


def scope_clause(res, resource_type, ids, pk=None):
    """Restrict `res` to the compartments of the patients `ids` (an expanding bind parameter; for
    Patient: to those ids)."""
    from records.models import CompartmentMember

    if resource_type == "Patient":
        return res.c.id.in_(ids)
    member = CompartmentMember.__table__.alias()
    return exists().where(member.c.resource_pk == (res.c.pk if pk is None else pk), member.c.patient_id.in_(ids))
