"""The appointment state machine: one explicit table of legal transitions (pure)."""

TRANSITIONS = {
    "booked": frozenset({"checked_in", "cancelled", "noshow"}),
    # From the waiting room: called in; did not come when invited (noshow); risk control refused the
    # online start and the patient was referred in person (referred).
    "checked_in": frozenset({"in_consultation", "noshow", "referred"}),
    "in_consultation": frozenset({"fulfilled"}),
    "fulfilled": frozenset(),
    "cancelled": frozenset(),
    "noshow": frozenset(),
    "referred": frozenset(),
}
ACTIVE = frozenset({"booked", "checked_in", "in_consultation"})  # holds a place in the slot and the day


def can_transition(current, target):
    """True when `current` -> `target` is legal."""
    return target in TRANSITIONS.get(current, ())


def sources_of(target):
    """The states from which `target` may be reached."""
    return frozenset(state for state, targets in TRANSITIONS.items() if target in targets)
