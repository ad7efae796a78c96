"""The consulting rooms' link to the clinic queue: the only way this package touches appointments.

The clinic queue (clinic.appointments.queue / clinic.appointments.booking) owns appointments. Until it is wired in, nothing is
installed and calling the next patient answers 503; tests install a fake with `set_queue_link`.
The integrator installs an object with these methods at start-up (clinic.init_app):

- `next_checked_in(doctor, room) -> dict | None`: the next checked-in *online* appointment in the
  doctor's queue (doctor: core.auth.Actor; room: {"id", "clinic", "institution_id"}), as
  {"id", "patient_id", "user_id", "reason", "complaint_code"?, "guardian_user_ids"?}; None when empty.
- `mark_in_consultation(appointment_id)`: the patient joined (checked_in -> in_consultation, called_at).
- `mark_fulfilled(appointment_id)`: the consultation closed (in_consultation -> fulfilled, finished_at).
- `mark_refused(appointment_id, decision)`: risk control refused the start; take it out of the queue.
- `requeue_or_noshow(appointment_id, action)`: the invite timed out; action "requeue" (back of the
  queue, a new queue number) or "noshow".
All run inside the caller's transaction: flush, never commit.
"""
from core.errors import ApiError

METHODS = ("next_checked_in", "mark_in_consultation", "mark_fulfilled", "mark_refused", "requeue_or_noshow")
_link = None


def set_queue_link(link):
    """Install the queue adapter (an object with METHODS); None uninstalls it."""
    global _link
    if link is not None:
        missing = [m for m in METHODS if not callable(getattr(link, m, None))]
        if missing:
            raise TypeError(f"queue link lacks {', '.join(missing)}")
    _link = link


def installed():
    """The adapter installed now (tests put it back after replacing it)."""
    return _link


def _require():
    if _link is None:
        raise ApiError(503, "queue_unavailable", "The clinic queue is not connected to the consulting rooms.")
    return _link


def next_checked_in(doctor, room):
    """The next checked-in online appointment of `doctor` for `room`, or None."""
    return _require().next_checked_in(doctor, room)


def mark_in_consultation(appointment_id):
    """The appointment's patient entered the consultation."""
    if appointment_id:
        _require().mark_in_consultation(appointment_id)


def mark_fulfilled(appointment_id):
    """The appointment's consultation closed."""
    if appointment_id:
        _require().mark_fulfilled(appointment_id)


def mark_refused(appointment_id, decision):
    """Risk control refused to start the appointment's consultation."""
    if appointment_id:
        _require().mark_refused(appointment_id, decision)


def requeue_or_noshow(appointment_id, action):
    """The invited patient did not come: back of the queue ("requeue") or "noshow"."""
    if appointment_id:
        _require().requeue_or_noshow(appointment_id, action)
