"""The queue of a doctor's session: check-in hands out a queue number, the doctor calls patients in,
and every waiting patient sees their position and an estimated wait, pushed over Socket.IO.

A queue is (doctor, local date, session). Queue numbers come from a counter row incremented under
its row lock. Estimates use the doctor's measured consultation durations (clinic.appointments.waiting).
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from clinic.appointments import Appointment, QueueCounter
from clinic.appointments.access import audit_denied
from clinic.appointments.booking import transition
from clinic.appointments.waiting import RECENT_DURATIONS, estimate_wait, typical_duration
from clinic.directory.services import own_doctor_id
from clinic.fhir_views import services as fhir_views
from clinic.realtime.services import emit_after_commit, user_room
from core import clock
from core.audit import record_access
from core.dbutil import conditional_update, insert_ignore
from core.errors import ApiError
from core.extensions import db
from core.transaction import begin_write


def next_queue_number(appt):
    """The next number in the appointment's session queue (counter row under its lock)."""
    key = {"doctor_id": appt.doctor_id, "day": appt.local_date, "session": appt.session}
    insert_ignore(QueueCounter, [{**key, "last_number": 0}], ["doctor_id", "day", "session"])
    where = [QueueCounter.doctor_id == appt.doctor_id, QueueCounter.day == appt.local_date,
             QueueCounter.session == appt.session]
    conditional_update(QueueCounter, where, {"last_number": QueueCounter.last_number + 1})
    return db.session.scalar(select(QueueCounter.last_number).where(*where))


def check_in(actor, appt):
    """Check in (desk, kiosk, or entering the online waiting room): 409 outside the check-in window."""
    if not (actor.is_admin or (actor.role == "patient" and appt.patient_id == actor.patient_id)):
        audit_denied(actor, appt, "update", "only the patient or the front desk may check in", "check-in")
        raise ApiError(403, "forbidden", "Only the patient or the front desk may check in.")
    now = clock.now()
    opens = appt.starts_at - timedelta(minutes=current_app.config["CLINIC_CHECKIN_OPENS_MINUTES"])
    closes = appt.starts_at + timedelta(minutes=current_app.config["CLINIC_NOSHOW_GRACE_MINUTES"])
    if appt.status == "booked" and not opens <= now <= closes:
        raise ApiError(409, "check_in_closed", f"Check-in is open from {opens.isoformat()} to {closes.isoformat()}.",
                       opens_at=opens.isoformat(), closes_at=closes.isoformat())
    begin_write()
    number = next_queue_number(appt) if appt.status == "booked" else None
    transition(appt, "checked_in", checked_in_at=now, queue_number=number)
    return _after_queue_change(actor, appt, "checked in")


def _require_treating_doctor(actor, appt):
    if not (actor.is_admin or (actor.role == "doctor" and own_doctor_id(actor) == appt.doctor_id)):
        audit_denied(actor, appt, "update", "only the appointment's doctor may do this")
        raise ApiError(403, "forbidden", "Only the appointment's doctor may do this.")


def call_patient(actor, appt):
    """The doctor calls a checked-in patient in: the consultation starts and the wait is recorded."""
    _require_treating_doctor(actor, appt)
    begin_write()
    transition(appt, "in_consultation", called_at=clock.now())
    return _after_queue_change(actor, appt, "called in")


def finish_consultation(actor, appt):
    """The doctor ends the consultation: its duration is recorded and feeds the wait estimates."""
    _require_treating_doctor(actor, appt)
    begin_write()
    transition(appt, "fulfilled", finished_at=clock.now())
    return _after_queue_change(actor, appt, "fulfilled")


def _after_queue_change(actor, appt, detail):
    fhir_views.sync_appointment(appt)
    push_queue_updates(appt.doctor_id, appt.local_date, appt.session)
    record_access(actor, "update", f"Appointment/{appt.id}", f"Patient/{appt.patient_id}", detail=detail)
    return appt


def typical_minutes(doctor_id, fallback_minutes):
    """The doctor's typical consultation length from recent measured durations (or the fallback)."""
    rows = db.session.execute(select(Appointment.called_at, Appointment.finished_at).where(
        Appointment.doctor_id == doctor_id, Appointment.status == "fulfilled",
        Appointment.finished_at.is_not(None), Appointment.called_at.is_not(None))
        .order_by(Appointment.finished_at.desc()).limit(RECENT_DURATIONS))
    durations = [(finished - called).total_seconds() / 60 for called, finished in rows]
    return typical_duration(durations, fallback_minutes)


def queue_state(doctor_id, day, session):
    """{appointment_id: {position, queue_number, estimated_wait_minutes, user_id}} of a session's queue."""
    members = list(db.session.scalars(select(Appointment).where(
        Appointment.doctor_id == doctor_id, Appointment.local_date == day, Appointment.session == session,
        Appointment.status.in_(("checked_in", "in_consultation"))).order_by(Appointment.queue_number)))
    if not members:
        return {}
    typical = typical_minutes(doctor_id, members[0].slot_minutes)
    now = clock.now()
    current = [a for a in members if a.status == "in_consultation"]
    elapsed = min(((now - a.called_at).total_seconds() / 60 for a in current), default=None) if current else None
    state = {}
    for a in current:
        state[a.id] = {"position": 0, "queue_number": a.queue_number, "estimated_wait_minutes": 0, "user_id": a.user_id}
    waiting = [a for a in members if a.status == "checked_in"]
    for ahead, a in enumerate(waiting):
        state[a.id] = {"position": ahead + 1, "queue_number": a.queue_number, "user_id": a.user_id,
                       "estimated_wait_minutes": estimate_wait(ahead, typical, elapsed)}
    return state


def queue_position(appt):
    """The appointment's place in its queue: {position, queue_number, estimated_wait_minutes} (None when not queued)."""
    entry = queue_state(appt.doctor_id, appt.local_date, appt.session).get(appt.id)
    if entry is None:
        return {"appointment_id": appt.id, "status": appt.status, "position": None,
                "queue_number": appt.queue_number, "estimated_wait_minutes": None}
    return {"appointment_id": appt.id, "status": appt.status, **{k: v for k, v in entry.items() if k != "user_id"}}


def push_queue_updates(doctor_id, day, session):
    """After the commit, send `queue_update` to every patient in the session's queue."""
    for appointment_id, entry in queue_state(doctor_id, day, session).items():
        emit_after_commit("queue_update", {
            "appointment_id": appointment_id, "position": entry["position"], "queue_number": entry["queue_number"],
            "estimated_wait_minutes": entry["estimated_wait_minutes"]}, user_room(entry["user_id"]))
