"""Which way a chained search runs (`Observation?subject:Patient.family=Wang&code=...`), decided per
request by one bounded count of the chain's targets.

Few targets (a rare family name): resolve them first, then their Observations - cheap, whatever the
store's size. Many targets (a common family name matches ~3,300 of 91k patients at 1.5M resources):
resolving them all first cost 0.2-0.5 s; instead the search walks its other criterion's index range in pk
order and tests each row's own target (criteria.py, a probe), so a page needs about page size x
(patients / targets) rows, and the default total is left out (counting every match would walk them
all; `_total=accurate` still counts). The cut-off is where the two costs meet - targets x ~10 rows per
target against 21 x patients / targets rows walked, each dearer - about sqrt(1.6 x patients) by the
figures measured: 300 suits 50k-90k patients (docs/SCALING.md for larger cities).
"""
from functools import lru_cache

from sqlalchemy import func, select

from core.dbutil import fetch_first
from records.models import Resource
from records.search.binds import is_ordered
from records.search.criteria import criterion_clause, index_conditions

MANY_TARGETS = 300


def targets_are_many(resource_type, shapes, values, sort):
    """True when a default-sorted search has a chained criterion with more than MANY_TARGETS targets
    and another criterion whose index can drive it in pk order."""
    chained = [(i, s) for i, s in enumerate(shapes) if s.chain]
    if sort or not chained or not any(is_ordered(s) for s in shapes):
        return False
    # Outside a transaction, like the page that follows (no BEGIN and COMMIT round trips on PostgreSQL).
    return any(fetch_first(_count(t, inner, f"c{i}_{t}_"), values)[0] > MANY_TARGETS
               for i, shape in chained for t, inner in shape.chain)


@lru_cache(maxsize=128)
def _count(target_type, inner, prefix):
    """Targets of one chain link, counted up to MANY_TARGETS + 1 (index rows only when the inner
    criterion is an index range; a target's index rows exist only while it is live)."""
    found = index_conditions(inner, prefix)
    if found is not None:
        idx, conditions = found
        matching = select(idx.c.resource_pk).where(*conditions).distinct()
    else:
        target = Resource.__table__.alias()
        matching = select(target.c.pk).where(target.c.resource_type == target_type, target.c.deleted.is_(False),
                                             criterion_clause(target, inner, prefix))
    return select(func.count()).select_from(matching.limit(MANY_TARGETS + 1).subquery())
