"""Pure wait estimation and the state table."""
from clinic.appointments.transitions import TRANSITIONS, can_transition
from clinic.appointments.waiting import estimate_wait, typical_duration


def test_typical_duration_is_a_robust_median_with_a_fallback():
    assert typical_duration([], 15) == 15
    assert typical_duration([8, 9], 15) == 15  # too few measurements
    assert typical_duration([8, 9, 10, 11, 240], 15) == 10  # one forgotten "finish" does not skew it


def test_estimate_counts_patients_ahead_and_the_remaining_current_consultation():
    assert estimate_wait(0, 10) == 0
    assert estimate_wait(2, 10) == 20
    assert estimate_wait(2, 10, current_elapsed_minutes=4) == 26
    assert estimate_wait(1, 10, current_elapsed_minutes=25) == 10  # overrunning: never negative
    assert estimate_wait(1, 7.5) == 8


def test_the_state_table():
    assert can_transition("booked", "checked_in") and can_transition("in_consultation", "fulfilled")
    assert not can_transition("fulfilled", "cancelled") and not can_transition("booked", "fulfilled")
    assert all(not TRANSITIONS[s] for s in ("fulfilled", "cancelled", "noshow", "referred"))
