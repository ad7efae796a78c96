"""Booking, cancelling and rescheduling: capacity and conflicts decided by the database.

Every write path takes its locks in one order (the patient's day row, then slots by id, then the
appointment row), so two requests never wait on each other in a cycle:
- the patient's day row: a conditional update `active < limit` caps appointments per day and
  serialises one patient's bookings, so the overlap check that follows cannot race;
- the slot: `UPDATE slots SET booked = booked + 1 WHERE id = :id AND booked + held < capacity`;
- the appointment: status changes are `UPDATE ... WHERE status = :expected`.
On SQLite `begin_write()` takes the database write lock first instead (see core.transaction).
The FHIR Slot and Appointment views follow just after the commit, through clinic.fhir_views.outbox.
"""
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from clinic.appointments import Appointment, PatientBookingDay, billing_link, eligibility, reminders, waitlist
from clinic.appointments.access import audit_denied, patient_of
from clinic.appointments.metrics import BOOKINGS
from clinic.appointments.transitions import ACTIVE, can_transition
from clinic.directory import Doctor
from clinic.directory.services import own_doctor_id
from clinic.fhir_views import services as fhir_views
from clinic.notifications.services import notify_user
from clinic.scheduling import Slot
from core import clock, metrics
from core.audit import record_access
from core.dbutil import conditional_update, conditional_update_returning, execute, insert_ignore, insert_or_increment
from core.errors import ApiError
from core.extensions import db
from core.transaction import begin_write
from core.types import new_id


def _conflict(code, detail, **extra):
    return ApiError(409, code, detail, **extra)


def bookable_slot(slot_id, kind):
    """The slot if it exists, is of `kind`, in the future and open (404 / 422 / 409 otherwise)."""
    slot = db.session.scalar(select(Slot).where(Slot.id == slot_id)
                             .options(joinedload(Slot.doctor), joinedload(Slot.institution))
                             .execution_options(populate_existing=True))
    if slot is None or slot.status == "cancelled":
        raise ApiError(404, "not_found", "No such slot.")
    if kind and slot.kind != kind:
        raise ApiError(422, "validation_error", "One or more fields are invalid.", title="Request validation failed",
                       errors=[{"field": "kind", "message": f"the slot is for {slot.kind} consultations"}])
    if slot.starts_at <= clock.now():
        raise _conflict("slot_in_past", "That slot has already started.")
    if slot.status != "open":
        raise _conflict("slot_unavailable", "That slot is no longer offered.")
    return slot


def _lock_day(patient_id, day, increment):
    """Take the patient's day row (and count one more appointment when `increment`); 409 over the limit."""
    if increment:  # one upsert: insert with 1, or add 1 below the limit (taking the row lock)
        limit = current_app.config["CLINIC_MAX_APPOINTMENTS_PER_DAY"]
        if insert_or_increment(PatientBookingDay, {"patient_id": patient_id, "day": day}, ["patient_id", "day"],
                               "active", below=limit) is None:
            raise _conflict("daily_limit_reached", f"You already hold {limit} appointments on that day.")
        return
    insert_ignore(PatientBookingDay, [{"patient_id": patient_id, "day": day, "active": 0}], ["patient_id", "day"])
    # Lock only: a no-op update still takes the row lock.
    conditional_update(PatientBookingDay, [PatientBookingDay.patient_id == patient_id, PatientBookingDay.day == day],
                       {"active": PatientBookingDay.active})


def _release_day(patient_id, day):
    conditional_update(PatientBookingDay, [PatientBookingDay.patient_id == patient_id, PatientBookingDay.day == day,
                                           PatientBookingDay.active > 0], {"active": PatientBookingDay.active - 1})


def _overlapping(patient_id, starts_at, ends_at, exclude_id=None):
    stmt = select(Appointment.id).where(Appointment.patient_id == patient_id, Appointment.status.in_(ACTIVE),
                                        Appointment.starts_at < ends_at, Appointment.ends_at > starts_at)
    return stmt.where(Appointment.id != exclude_id) if exclude_id else stmt


def _check_overlap(patient_id, starts_at, ends_at, exclude_id=None):
    clash = db.session.scalar(_overlapping(patient_id, starts_at, ends_at, exclude_id).limit(1))
    if clash:
        raise _conflict("conflicting_appointment", "You already have an appointment at that time.",
                        appointment_id=clash)


@lru_cache(maxsize=None)
def _take_place_checking_overlap():
    """The booking's conditional UPDATE (a place, and no overlapping appointment of the patient), built once
    with parameters: building it per booking cost ~0.3 ms of CPU (expressions and the cache key)."""
    clash = select(Appointment.id).where(Appointment.patient_id == bindparam("p_patient"),
                                         Appointment.status.in_(ACTIVE), Appointment.starts_at < bindparam("p_ends"),
                                         Appointment.ends_at > bindparam("p_starts"))
    return (update(Slot).where(Slot.id == bindparam("p_slot"), Slot.status == "open", ~clash.exists(),
                               Slot.booked + Slot.held < Slot.capacity)
            .values(booked=Slot.booked + 1).returning(Slot.booked, Slot.held))


def _take_place(slot_id, from_hold=False, overlap_of=None):
    """Take one place in the slot; a waitlist offer converts its hold instead (409 when full).
    `overlap_of` (patient_id, starts_at, ends_at): in the same statement, take it only if the patient
    holds no overlapping appointment (the caller holds the patient's day lock, so none can appear
    meanwhile); the 409 then says which rule refused. Returns the slot's new (booked, held)."""
    if overlap_of and not from_hold:  # the booking path
        patient_id, starts_at, ends_at = overlap_of
        taken = execute(_take_place_checking_overlap(), {"p_patient": patient_id, "p_starts": starts_at,
                                                         "p_ends": ends_at, "p_slot": slot_id}).first()
        if taken is None:
            _check_overlap(*overlap_of)
            raise _conflict("slot_full", "That slot is fully booked.")
        return taken
    where = [Slot.id == slot_id, Slot.status == "open"]
    if overlap_of:
        where.append(~_overlapping(*overlap_of).exists())
    if from_hold:
        taken = conditional_update_returning(Slot, [*where, Slot.held > 0],
                                             {"booked": Slot.booked + 1, "held": Slot.held - 1}, Slot.booked, Slot.held)
    else:
        taken = conditional_update_returning(Slot, [*where, Slot.booked + Slot.held < Slot.capacity],
                                             {"booked": Slot.booked + 1}, Slot.booked, Slot.held)
    if taken is None:
        if overlap_of:
            _check_overlap(*overlap_of)
        raise _conflict("slot_full", "That slot is fully booked.")
    return taken


def _free_place(slot_id):
    conditional_update(Slot, [Slot.id == slot_id, Slot.booked > 0], {"booked": Slot.booked - 1})


def book_slot(actor, slot_id, kind=None, reason=None, channel="app", from_hold=False, complaint_code=None):
    """Book a slot for the calling patient: 201, or 409 (full / conflict / limit), 422 (not eligible)."""
    patient_id, user_id = patient_of(actor)
    slot = bookable_slot(slot_id, kind)
    complaint_code = eligibility.complaint_of(complaint_code, reason)
    body = {"slot_id": slot_id, "kind": slot.kind, "reason": reason, "channel": channel,
            "complaint_code": complaint_code}
    begin_write()  # before the risk check, which writes its decision log
    if slot.kind == "online":
        eligibility.ensure_eligible(actor, patient_id, slot, body)
    _lock_day(patient_id, slot.local_date, increment=True)
    booked, held = _take_place(slot.id, from_hold, overlap_of=(patient_id, slot.starts_at, slot.ends_at))
    set_committed_value(slot, "booked", booked)
    set_committed_value(slot, "held", held)
    appt = _insert_appointment(slot, patient_id=patient_id, user_id=user_id, channel=channel, reason=reason,
                               complaint_code=complaint_code)
    reminders.schedule_reminders(appt)
    billing_link.charge(appt, slot)
    fhir_views.enqueue(slot_ids=[slot.id], appointment_ids=[appt.id])  # FHIR views after the commit
    record_access(actor, "create", f"Appointment/{appt.id}", f"Patient/{patient_id}")
    metrics.count_after_commit(BOOKINGS, kind=slot.kind, channel=channel)
    return appt


# Built once: `insert(table).values(row)` per booking cost ~0.1 ms of CPU building and keying the statement.
_INSERT_APPOINTMENT = insert(Appointment.__table__)


def _insert_appointment(slot, **values):
    """INSERT the booked appointment (one Core statement instead of an ORM unit of work) and
    return it as a persistent instance with every column and its slot, doctor and institution loaded."""
    now = clock.now()
    row = dict(id=new_id(), doctor_id=slot.doctor_id, institution_id=slot.institution_id, slot_id=slot.id,
               kind=slot.kind, status="booked", fee_fen=slot.doctor.consult_fee_fen, starts_at=slot.starts_at,
               ends_at=slot.ends_at, local_date=slot.local_date, session=slot.session,
               slot_minutes=int((slot.ends_at - slot.starts_at).total_seconds() // 60), queue_number=None,
               booked_at=now, checked_in_at=None, called_at=None, finished_at=None, cancelled_at=None,
               updated_at=now, **values)
    execute(_INSERT_APPOINTMENT, row)
    appt = Appointment(**row)
    make_transient_to_detached(appt)  # it is in the database: known to the session without another flush
    db.session.add(appt)
    for name, value in (("slot", slot), ("doctor", slot.doctor), ("institution", slot.institution)):
        set_committed_value(appt, name, value)  # already loaded: the response needs no lazy loads
    return appt


def transition(appt, target, **values):
    """Move `appt` to `target` if the state table allows it and nobody changed it meanwhile (409 otherwise)."""
    if not can_transition(appt.status, target):
        raise _conflict("illegal_transition", f"An appointment that is {appt.status} cannot become {target}.",
                        current_status=appt.status, requested_status=target)
    changed = conditional_update(Appointment, [Appointment.id == appt.id, Appointment.status == appt.status],
                                 {"status": target, "updated_at": clock.now(), **values})
    if not changed:
        raise _conflict("appointment_changed", "The appointment was changed meanwhile; reload it.")
    db.session.refresh(appt)
    return appt


def _doctor_may_cancel(actor, appt):
    """The appointment's own doctor may cancel it once its slot was closed by a schedule exception (flagged)."""
    if actor.role != "doctor" or own_doctor_id(actor) != appt.doctor_id:
        return False
    return bool(db.session.scalar(select(Slot.flagged).where(Slot.id == appt.slot_id)))


def _check_owner_change(actor, appt, action):
    if actor.is_admin or (action == "cancel" and _doctor_may_cancel(actor, appt)):
        return
    if actor.role != "patient" or appt.patient_id != actor.patient_id:
        audit_denied(actor, appt, "update", f"only the patient or an admin may {action}", action)
        raise ApiError(403, "forbidden", f"Only the patient or an administrator may {action} this appointment"
                       + (" (its doctor too once a schedule exception has closed the slot)." if action == "cancel"
                          else "."))
    cutoff = timedelta(minutes=current_app.config["CLINIC_CANCEL_CUTOFF_MINUTES"])
    if appt.status == "booked" and clock.now() > appt.starts_at - cutoff:
        raise _conflict("cutoff_passed", f"Appointments can only be changed up to {cutoff} before they start.",
                        cutoff_minutes=int(cutoff.total_seconds() // 60))


def cancel_appointment(actor, appt, why="by the clinic"):
    """Cancel a booked appointment (patients up to the cut-off) and free its place for the waitlist; its charge
    is voided or refunded."""
    _check_owner_change(actor, appt, "cancel")
    if not can_transition(appt.status, "cancelled"):
        transition(appt, "cancelled")  # raises the 409 with the state table's answer
    begin_write()
    _lock_day(appt.patient_id, appt.local_date, increment=False)
    _free_place(appt.slot_id)
    transition(appt, "cancelled", cancelled_at=clock.now())
    _release_day(appt.patient_id, appt.local_date)
    reminders.cancel_reminders(appt.id)
    billing_link.cancelled(appt)
    slot = db.session.get(Slot, appt.slot_id, populate_existing=True)
    waitlist.offer_freed_place(slot)
    fhir_views.enqueue(slot_ids=[slot.id], appointment_ids=[appt.id])
    record_access(actor, "update", f"Appointment/{appt.id}", f"Patient/{appt.patient_id}", detail="cancelled")
    if actor.patient_id != appt.patient_id:  # cancelled by the doctor or an administrator: tell the patient
        notify_user(appt.user_id, "appointment_cancelled", "Your appointment was cancelled",
                    f"Your appointment on {appt.local_date.isoformat()} was cancelled {why}.",
                    {"appointment_id": appt.id, "slot_id": appt.slot_id, "starts_at": appt.starts_at})
    return appt


def reschedule_appointment(actor, appt, new_slot_id):
    """Move a booked appointment to another slot atomically: the new place is taken or nothing changes."""
    _check_owner_change(actor, appt, "reschedule")
    if appt.status != "booked":
        raise _conflict("illegal_transition", f"An appointment that is {appt.status} cannot be rescheduled.",
                        current_status=appt.status, requested_status="booked")
    if new_slot_id == appt.slot_id:
        raise _conflict("same_slot", "The appointment is already in that slot.")
    slot = bookable_slot(new_slot_id, appt.kind)
    begin_write()  # before the risk check, which writes its decision log
    if slot.kind == "online":
        eligibility.ensure_eligible(actor, appt.patient_id, slot, {
            "slot_id": slot.id, "kind": slot.kind, "reason": appt.reason, "channel": appt.channel,
            "complaint_code": appt.complaint_code})
    old_slot_id, old_day = appt.slot_id, appt.local_date
    for day in sorted({old_day, slot.local_date}):
        _lock_day(appt.patient_id, day, increment=(day == slot.local_date and day != old_day))
    _check_overlap(appt.patient_id, slot.starts_at, slot.ends_at, exclude_id=appt.id)
    for slot_id in sorted((old_slot_id, slot.id)):  # slots in id order; failure rolls everything back
        _take_place(slot_id) if slot_id == slot.id else _free_place(slot_id)
    doctor = db.session.get(Doctor, slot.doctor_id)
    moved = conditional_update(Appointment, [Appointment.id == appt.id, Appointment.status == "booked",
                                             Appointment.slot_id == old_slot_id], {
        "slot_id": slot.id, "doctor_id": slot.doctor_id, "institution_id": slot.institution_id,
        "starts_at": slot.starts_at, "ends_at": slot.ends_at, "local_date": slot.local_date, "session": slot.session,
        "slot_minutes": int((slot.ends_at - slot.starts_at).total_seconds() // 60),
        "fee_fen": doctor.consult_fee_fen, "updated_at": clock.now()})
    if not moved:
        raise _conflict("appointment_changed", "The appointment was changed meanwhile; reload it.")
    if old_day != slot.local_date:
        _release_day(appt.patient_id, old_day)
    db.session.refresh(appt)
    reminders.cancel_reminders(appt.id)
    reminders.schedule_reminders(appt)
    old_slot = db.session.get(Slot, old_slot_id, populate_existing=True)
    waitlist.offer_freed_place(old_slot)
    fhir_views.enqueue(slot_ids=[old_slot_id, slot.id], appointment_ids=[appt.id])
    record_access(actor, "update", f"Appointment/{appt.id}", f"Patient/{appt.patient_id}", detail="rescheduled")
    return appt
