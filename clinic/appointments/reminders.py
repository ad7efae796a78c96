"""Reminders before an appointment and the no-show sweep: due work kept in the database.

A reminder is a row with `due_at`. The sweep claims each due row with
`UPDATE reminders SET status='sent' WHERE id=:id AND status='pending'` and notifies only when it
changed the row, so a reminder fires once even if the sweep runs twice or two processes race, and
nothing is lost across a restart.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import insert, select

from clinic.appointments import Appointment, Reminder
from clinic.directory import Doctor, Institution
from clinic.fhir_views import services as fhir_views
from clinic.notifications.services import notify_user
from core import clock
from core.dbutil import conditional_update, execute
from core.extensions import db
from core.transaction import begin_write
from core.types import new_id

BATCH = 500


def reminder_offsets():
    """(kind, minutes before the start) of every reminder, e.g. [("24h", 1440), ("1h", 60)]."""
    return [(f"{m // 60}h" if m % 60 == 0 else f"{m}m", m) for m in current_app.config["CLINIC_REMINDER_MINUTES"]]


_INSERT_REMINDERS = insert(Reminder.__table__)  # built once; the rows go as parameters (executemany)


def schedule_reminders(appt):
    """Create the reminders of an appointment that are still in the future (one multi-row INSERT)."""
    now = clock.now()
    rows = [{"id": new_id(), "appointment_id": appt.id, "kind": kind, "due_at": appt.starts_at - timedelta(minutes=m),
             "status": "pending"} for kind, m in reminder_offsets() if appt.starts_at - timedelta(minutes=m) > now]
    if rows:
        execute(_INSERT_REMINDERS, rows)


def cancel_reminders(appointment_id):
    """Withdraw an appointment's pending reminders."""
    conditional_update(Reminder, [Reminder.appointment_id == appointment_id, Reminder.status == "pending"],
                       {"status": "cancelled"})


def send_due_reminders():
    """Send every pending reminder that is due; return how many this run sent."""
    now = clock.now()
    due = list(db.session.scalars(select(Reminder.id).where(Reminder.status == "pending", Reminder.due_at <= now)
                                  .order_by(Reminder.due_at).limit(BATCH)))
    if not due:
        return 0
    begin_write()
    sent = 0
    for reminder_id in due:
        if not conditional_update(Reminder, [Reminder.id == reminder_id, Reminder.status == "pending"],
                                  {"status": "sent", "sent_at": now}):
            continue  # another run claimed it
        reminder = db.session.get(Reminder, reminder_id, populate_existing=True)
        appt = db.session.get(Appointment, reminder.appointment_id)
        if appt.status != "booked" or appt.starts_at <= now:
            continue  # too late or no longer relevant: claimed, not sent
        doctor = db.session.get(Doctor, appt.doctor_id)
        institution = db.session.get(Institution, appt.institution_id)
        notify_user(appt.user_id, "appointment_reminder", f"Reminder: appointment with {doctor.name}",
                    f"Your {appt.kind.replace('_', ' ')} appointment at {institution.name} starts at "
                    f"{appt.starts_at.isoformat()}.",
                    {"appointment_id": appt.id, "reminder": reminder.kind, "starts_at": appt.starts_at.isoformat()})
        sent += 1
    return sent


def mark_noshows():
    """Appointments never checked in by start + grace become noshow (their place is not re-offered)."""
    now = clock.now()
    grace = timedelta(minutes=current_app.config["CLINIC_NOSHOW_GRACE_MINUTES"])
    late = list(db.session.scalars(select(Appointment.id).where(
        Appointment.status == "booked", Appointment.starts_at <= now - grace).limit(BATCH)))
    if not late:
        return 0
    begin_write()
    marked = 0
    for appointment_id in late:
        if conditional_update(Appointment, [Appointment.id == appointment_id, Appointment.status == "booked"],
                              {"status": "noshow", "updated_at": now}):
            marked += 1
            cancel_reminders(appointment_id)
            fhir_views.sync_appointment(db.session.get(Appointment, appointment_id, populate_existing=True))
    return marked
