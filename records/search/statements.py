"""Search statements, built once per search shape and kept (least recently used first, CACHE_SIZE shapes).

Building a search's SQLAlchemy statement (aliases, column collections, EXISTS probes) cost more CPU than
PostgreSQL spent running it (docs/PERFORMANCE.md). A SearchShape is everything that decides the SQL: the
criteria's Shapes (binds.py), the sort, whether the search is restricted to patients, the cursor's
direction and the kind of total; the values (criteria, patient ids, cursor position, page size) are bind
parameters supplied at execution. The page statement also carries the total as an uncorrelated scalar
subquery, so a page and its count are one round trip.
"""
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, false, func, select

from records.models import CompartmentMember, Resource
from records.search.binds import is_ordered
from records.search.criteria import criterion_clause, index_conditions, needs_row, scope_clause
from records.search.paging import after, order_by, sort_expressions

CACHE_SIZE = 512
BOUNDED_TOTAL = 1000  # the default total: counted exactly up to this many matches, else left out


@dataclass(frozen=True)
class SearchShape:
    """What decides a search's SQL (never a value): the statement cache's key."""

    resource_type: str
    criteria: tuple  # binds.Shape per criterion, in query order; criterion i's values are bound as c<i>_...
    sort: tuple = ()  # paging.SortKey without expressions
    scope: str | None = None  # None: unrestricted; "empty": no patient at all; "patients": bound as `scope`
    cursor: str | None = None  # None (first page), "next" or "prev": the position is bound as after_pk, after_<i>
    total: str = "bounded"  # "none" | "bounded" | "accurate"
    chain_probe: bool = False  # chained criteria tested row by row (their targets are many: chains.py)


@dataclass(frozen=True)
class Statements:
    """`page`: pk, content, the sort keys k0.. and (unless total is "none") `total`; `count`: the total alone."""

    page: object
    count: object


@dataclass
class Plan:
    """Where matches come from: FROM, WHERE, the pk column to order and page on; `driven` when the
    FROM is an index table (rows may repeat, so pks are de-duplicated before the page is fetched)."""

    source: object
    where: list
    pk: object
    driven: bool = False


@lru_cache(maxsize=CACHE_SIZE)
def for_shape(shape):
    """The Statements of a SearchShape (cached: bind the values, never change the statements)."""
    res = Resource.__table__.alias()
    keys = sort_expressions(res, shape.resource_type, shape.sort)
    plan = _plan(res, shape, ordered=not keys)
    return _statements(res, plan, keys, shape.cursor, shape.total)


@lru_cache(maxsize=4)
def for_everything(cursor):
    """Patient/$everything's Statements: the compartment rows of the patient bound as `patient_id`."""
    member = CompartmentMember.__table__.alias()
    # Compartment rows exist only for live resources; (patient_id, resource_pk) is their key, so the
    # page is an ordered range of that key.
    plan = Plan(member, [member.c.patient_id == bindparam("patient_id")], member.c.resource_pk, driven=True)
    return _statements(Resource.__table__.alias(), plan, [], cursor, "bounded")


def _statements(res, plan, keys, cursor, total):
    count = _count(plan, "accurate" if total == "accurate" else "bounded")
    if plan.driven and cursor is None and total == "bounded":
        return Statements(_first_page_of_bounded(plan), count)
    page = _page(res, plan, keys, cursor)
    if total != "none":
        page = page.add_columns(count.scalar_subquery().label("total"))
    return Statements(page, count)


def _plan(res, shape, ordered):
    """Drive from one criterion's index range when the sort is the default one, else filter the
    resource rows with one EXISTS per criterion."""
    live = [res.c.resource_type == shape.resource_type, res.c.deleted.is_(False)]
    crits = [(s, f"c{i}_") for i, s in enumerate(shape.criteria)]
    candidates = [(s, d) for s, prefix in crits if (d := index_conditions(s, prefix)) is not None] if ordered else []
    if not candidates:
        where = live + [criterion_clause(res, s, prefix, probe=shape.chain_probe and bool(s.chain))
                        for s, prefix in crits]
        where += _scope(res, shape)
        return Plan(res, where, res.c.pk)
    driver, (idx, conditions) = _driver(candidates)
    pk = idx.c.resource_pk
    # Beside a driver read in pk order the other criteria are probed row by row (criteria.py), except a
    # chain whose few targets are best resolved first (then PostgreSQL may drive from them).
    probe = is_ordered(driver)
    where = conditions + [criterion_clause(res, s, prefix, pk, probe=probe and (shape.chain_probe or not s.chain))
                          for s, prefix in crits if s is not driver]
    where += _scope(res, shape, pk)
    # Index rows exist only for live resources of their type, so the resource row is joined only
    # when a criterion reads it (_id, _lastUpdated, the Patient id restriction).
    if any(needs_row(s) for s in shape.criteria) or (shape.scope and shape.resource_type == "Patient"):
        return Plan(idx.join(res, res.c.pk == pk), where + live, pk, driven=True)
    return Plan(idx, where, pk, driven=True)


def _driver(candidates):
    """The criterion whose index range drives: an equality on a reference target (one patient's, one
    encounter's rows: the fewest, typically), else on another token or reference, else the first."""
    ordered = [(s, d) for s, d in candidates if is_ordered(s)]
    return next((c for c in ordered if c[0].param.type == "reference"), ordered[0] if ordered else candidates[0])


def _scope(res, shape, pk=None):
    if shape.scope is None:
        return []
    if shape.scope == "empty":
        return [false()]  # no patient: nothing matches
    return [scope_clause(res, shape.resource_type, bindparam("scope", expanding=True), pk)]


def _first_page_of_bounded(plan):
    """The first page and the bounded total from one scan: the page is the head of the first
    BOUNDED_TOTAL + 1 matches in pk order (a CTE that both read), not a second pass over the index."""
    first = _matching(plan).order_by(plan.pk).limit(BOUNDED_TOTAL + 1).cte("first_matches")
    pk = first.c[0]
    page = Resource.__table__.alias()
    head = select(pk).order_by(pk).limit(bindparam("limit")).scalar_subquery()
    total = select(func.count()).select_from(first).scalar_subquery().label("total")
    return select(page.c.pk, page.c.content, total).where(page.c.pk.in_(head)).order_by(page.c.pk)


def _matching(plan):
    stmt = select(plan.pk).select_from(plan.source).where(*plan.where)
    return stmt.distinct() if plan.driven else stmt


def _count(plan, mode):
    """accurate: count every match; bounded: count up to BOUNDED_TOTAL + 1 (the caller drops a larger one)."""
    matching = _matching(plan)
    if mode == "bounded":
        matching = matching.order_by(plan.pk).limit(BOUNDED_TOTAL + 1)
    return select(func.count()).select_from(matching.subquery())


def _page(res, plan, keys, cursor):
    """The page's rows (`limit` of them: ask one more than the page to know if there is more), after
    (or, for "prev", before) the bound position when there is a cursor."""
    reverse = cursor == "prev"
    limit = bindparam("limit")
    if plan.driven:  # pick the page's pks from the index first, then read only those rows
        pks = _matching(plan)
        if cursor:
            pks = pks.where(after([], plan.pk, [], bindparam("after_pk"), reverse=reverse))
        pks = pks.order_by(*order_by([], plan.pk, reverse)).limit(limit)
        page = Resource.__table__.alias()
        stmt = select(page.c.pk, page.c.content).where(page.c.pk.in_(pks.scalar_subquery()))
        return stmt.order_by(*order_by([], page.c.pk, reverse))
    stmt = select(res.c.pk, res.c.content, *[k.expression.label(f"k{i}") for i, k in enumerate(keys)])
    stmt = stmt.where(*plan.where)
    if cursor:
        positions = [bindparam(f"after_{i}") for i in range(len(keys))]
        stmt = stmt.where(after(keys, plan.pk, positions, bindparam("after_pk"), reverse=reverse))
    return stmt.order_by(*order_by(keys, plan.pk, reverse)).limit(limit)
