"""Slots: the rolling horizon generated from templates, exceptions applied to it, and slot search.

Generation inserts with ON CONFLICT DO NOTHING on (doctor_id, starts_at), so running it again never
duplicates a slot and never touches an existing (possibly booked) one. Expansion itself is the pure
`clinic.scheduling.expansion`; this module feeds it rows and writes its output.
"""
from collections import defaultdict
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, or_, select

from clinic.appointments import ACTIVE, Appointment, WaitlistEntry
from clinic.directory import DoctorSpecialty, Institution
from clinic.fhir_views import services as fhir_views
from clinic.notifications.services import notify_user
from clinic.scheduling import ScheduleException, ScheduleTemplate, Slot, expansion
from core import clock
from core.dbutil import conditional_update, insert_ignore
from core.extensions import db


def _spec(template):
    return expansion.TemplateSpec(template.id, template.doctor_id, template.institution_id, template.weekday,
                                  template.session, template.start_time, template.end_time, template.slot_minutes,
                                  template.capacity, template.kind, template.valid_from, template.valid_until)


def _exception_ranges(doctor_id, institution_id):
    rows = db.session.execute(select(ScheduleException.start_date, ScheduleException.end_date).where(or_(
        ScheduleException.doctor_id == doctor_id, ScheduleException.institution_id == institution_id)))
    return [(start, end) for start, end in rows]


def generate_slots(horizon_days=None, doctor_id=None, template_ids=None):
    """Extend every active template's slots to `horizon_days` ahead; return the new slots' ids."""
    horizon = horizon_days if horizon_days is not None else current_app.config["CLINIC_SLOT_HORIZON_DAYS"]
    now = clock.now()
    stmt = select(ScheduleTemplate, Institution.timezone).join(
        Institution, Institution.id == ScheduleTemplate.institution_id).where(ScheduleTemplate.is_active.is_(True))
    if doctor_id:
        stmt = stmt.where(ScheduleTemplate.doctor_id == doctor_id)
    if template_ids:
        stmt = stmt.where(ScheduleTemplate.id.in_(template_ids))
    rows = []
    # .all(): a half-read SQLite query keeps its connection's old snapshot after a rollback (clinic.fhir_views.outbox)
    for template, tz_name in db.session.execute(stmt).all():
        today = expansion.local_today(now, tz_name)
        ranges = _exception_ranges(template.doctor_id, template.institution_id)
        for spec in expansion.expand_template(_spec(template), tz_name, today, today + timedelta(days=horizon), ranges):
            if spec.starts_at > now:
                rows.append({"template_id": spec.template_id, "doctor_id": spec.doctor_id,
                             "institution_id": spec.institution_id, "kind": spec.kind, "session": spec.session,
                             "local_date": spec.local_date, "starts_at": spec.starts_at, "ends_at": spec.ends_at,
                             "capacity": spec.capacity, "booked": 0, "held": 0, "status": "open", "flagged": False,
                             "created_at": now})
    created = []
    for chunk in range(0, len(rows), 500):
        batch = [{**row, "id": _new_id()} for row in rows[chunk:chunk + 500]]
        created.extend(insert_ignore(Slot, batch, ["doctor_id", "starts_at"], returning=Slot.id))
    if created:
        _after_new_capacity(created)
    return created


def _new_id():
    from core.types import new_id

    return new_id()


def on_new_places(listener):
    """Call `listener(doctor_id, local_dates)` whenever new places open in a doctor's days (appointments
    offer them to the waitlist); registered once at start-up, in the order given."""
    if listener not in _new_places_listeners:
        _new_places_listeners.append(listener)


_new_places_listeners = []


def _after_new_capacity(slot_ids):
    """New places: write their FHIR Slots and tell the listeners (the waitlist) which doctors' days gained some."""
    slots = []
    for start in range(0, len(slot_ids), 500):  # bounded IN lists
        slots += db.session.scalars(select(Slot).where(Slot.id.in_(slot_ids[start:start + 500])))
    fhir_views.sync_slots_bulk(slots)
    days = defaultdict(set)
    for slot in slots:
        days[slot.doctor_id].add(slot.local_date)
    for doctor_id, dates in days.items():
        for listener in _new_places_listeners:
            listener(doctor_id, sorted(dates))


def _covered_slots(exc):
    subject = Slot.doctor_id == exc.doctor_id if exc.doctor_id else Slot.institution_id == exc.institution_id
    return [subject, Slot.local_date >= exc.start_date, Slot.local_date <= exc.end_date, Slot.starts_at > clock.now()]


def apply_exception(exc):
    """Cancel the unbooked slots an exception covers and close + flag the booked ones; return (cancelled, flagged)."""
    where = _covered_slots(exc)
    affected = list(db.session.scalars(select(Slot.id).where(*where, Slot.status == "open")))
    # Cancel first, flag second: a booking that commits in between is then flagged, never missed.
    cancelled = conditional_update(Slot, [*where, Slot.status == "open", Slot.booked == 0],
                                   {"status": "cancelled", "held": 0})
    reason = f"{exc.kind}: {exc.reason}" if exc.reason else exc.kind
    flagged = conditional_update(Slot, [*where, Slot.status == "open", Slot.booked > 0],
                                 {"status": "closed", "flagged": True, "flag_reason": reason[:200]})
    conditional_update(WaitlistEntry, [WaitlistEntry.status == "offered", WaitlistEntry.offered_slot_id.in_(affected)],
                       {"status": "waiting", "offered_slot_id": None, "offer_expires_at": None})
    fhir_views.sync_slots(list(db.session.scalars(select(Slot).where(Slot.id.in_(affected)))))
    notify_closed_bookings(affected, reason)
    return cancelled, flagged


def notify_closed_bookings(slot_ids, reason):
    """Tell each patient whose active appointment lies in one of these slots, now closed, that it will not
    take place as booked (they can reschedule or cancel; the doctor or an administrator can cancel)."""
    rows = db.session.execute(select(Appointment.id, Appointment.user_id, Appointment.slot_id, Appointment.starts_at,
                                     Appointment.local_date).join(Slot, Slot.id == Appointment.slot_id).where(
        Slot.id.in_(slot_ids), Slot.status == "closed", Appointment.status.in_(ACTIVE)))
    for appt_id, user_id, slot_id, starts_at, local_date in rows:
        notify_user(user_id, "slot_closed", "Your appointment cannot take place as booked",
                    f"The doctor is not available on {local_date.isoformat()} ({reason}). "
                    "Please reschedule or cancel it.",
                    {"appointment_id": appt_id, "slot_id": slot_id, "starts_at": starts_at, "reason": reason})


def lift_exception(exc):
    """Reopen what a deleted exception had cancelled or closed (unless another exception still covers it)."""
    reopened = []
    for slot in db.session.scalars(select(Slot).where(*_covered_slots(exc), Slot.status.in_(("cancelled", "closed")))):
        if _still_covered(slot, exc.id):
            continue
        slot.status, slot.flagged, slot.flag_reason = "open", False, None
        reopened.append(slot)
    db.session.flush()
    fhir_views.sync_slots(reopened)
    return [slot.id for slot in reopened]


def _still_covered(slot, exception_id):
    return bool(db.session.scalar(select(exists().where(
        ScheduleException.id != exception_id,
        or_(ScheduleException.doctor_id == slot.doctor_id, ScheduleException.institution_id == slot.institution_id),
        ScheduleException.start_date <= slot.local_date, ScheduleException.end_date >= slot.local_date))))


def search_slots(doctor_id=None, institution_id=None, specialty=None, kind=None, start=None, end=None,
                 available_only=True, page=None):
    """Slots matching the filters, earliest first (by default only bookable future ones); `page` (a
    core.pagination.Page) cuts them, else all."""
    now = clock.now()
    lower = start or now
    if available_only:
        lower = max(lower, now)  # a past slot is never bookable
    stmt = select(Slot).where(Slot.starts_at >= lower)
    if end:
        stmt = stmt.where(Slot.starts_at < end)
    if doctor_id:
        stmt = stmt.where(Slot.doctor_id == doctor_id)
    if institution_id:
        stmt = stmt.where(Slot.institution_id == institution_id)
    if kind:
        stmt = stmt.where(Slot.kind == kind)
    if specialty:
        stmt = stmt.where(exists().where(DoctorSpecialty.doctor_id == Slot.doctor_id,
                                         DoctorSpecialty.specialty == specialty))
    if available_only:
        stmt = stmt.where(Slot.status == "open", Slot.booked + Slot.held < Slot.capacity)
    stmt = stmt.order_by(Slot.starts_at, Slot.id)
    return page.rows(stmt) if page else list(db.session.scalars(stmt))


def flagged_slots(doctor_id=None):
    """Booked slots that an exception closed, for the doctor to handle."""
    stmt = select(Slot).where(Slot.flagged.is_(True), Slot.starts_at > clock.now()).order_by(Slot.starts_at)
    if doctor_id:
        stmt = stmt.where(Slot.doctor_id == doctor_id)
    return list(db.session.scalars(stmt))
