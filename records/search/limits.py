"""What one search may ask for (abuse limits): a query with more criteria or OR values than these is
refused with a 400 OperationOutcome naming the limit, before any SQL is built. Without them ~500 OR
values made a statement SQLite refuses ("Expression tree is too large") and PostgreSQL plans slowly.
A `_count` above MAX_COUNT is capped (a warning in the searchset's OperationOutcome), or refused under
`Prefer: handling=strict`."""
from records.errors import FhirError

MAX_COUNT = 500  # resources per page
MAX_CRITERIA = 40  # search parameters in one query (each repetition counts: AND)
MAX_VALUES = 100  # comma-separated (OR) values over all parameters, chained ones included


def _values(criterion):
    if criterion.chain:
        return sum(_values(inner) for inner in criterion.chain.values())
    return len(criterion.values)


def check_criteria(criteria, ignored=0):
    """Raise FhirError 400 when the parsed criteria (plus `ignored` unknown ones) exceed MAX_CRITERIA, or
    their values MAX_VALUES."""
    if len(criteria) + ignored > MAX_CRITERIA:
        raise FhirError(400, "too-costly", f"A search may use at most {MAX_CRITERIA} parameters; this one has "
                                           f"{len(criteria) + ignored}. Split it into several searches.")
    values = sum(_values(c) for c in criteria)
    if values > MAX_VALUES:
        raise FhirError(400, "too-costly", f"A search may give at most {MAX_VALUES} values (comma-separated "
                                           f"alternatives) in all; this one gives {values}. Split it into "
                                           f"several searches.")


def capped_count(count, unsupported):
    """`count` within MAX_COUNT; a capped one is reported in `unsupported` (a warning, or 400 when strict)."""
    if count <= MAX_COUNT:
        return count
    unsupported.append(("_count", f"_count is capped at {MAX_COUNT}: a page holds at most {MAX_COUNT} resources"))
    return MAX_COUNT
