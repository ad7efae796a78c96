"""The waitlist: a freed place is held for the first patient in line, who accepts it through the normal
booking path before the hold expires; an expired hold passes to the next in line.

Places come free from cancellations, reschedules and new capacity (generated slots), never from
no-shows. A held place counts in `slots.held`, so nobody else can book it while it is held.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from clinic.appointments import WaitlistEntry, eligibility
from clinic.appointments.access import patient_of
from clinic.directory import Doctor
from clinic.directory.services import get_doctor
from clinic.fhir_views import services as fhir_views
from clinic.notifications.services import notify_user
from clinic.scheduling import Slot
from core import clock
from core.audit import record_access
from core.dbutil import conditional_update
from core.errors import ApiError
from core.extensions import db
from core.transaction import begin_write

ACTIVE = ("waiting", "offered")


def join_waitlist(actor, doctor_id, day, complaint_code=None, reason=None):
    """Put the calling patient in line for `doctor_id` on local date `day` (once; rejoining goes to the back).
    The complaint (given, or read from the start of `reason`) is what online places are judged by."""
    patient_id, user_id = patient_of(actor)
    get_doctor(doctor_id)
    begin_write()
    entry = db.session.scalar(select(WaitlistEntry).where(
        WaitlistEntry.patient_id == patient_id, WaitlistEntry.doctor_id == doctor_id, WaitlistEntry.day == day))
    if entry is not None and entry.status in ACTIVE:
        raise ApiError(409, "already_waiting", "You are already on the waitlist for that doctor and day.",
                       waitlist_id=entry.id)
    if entry is None:
        entry = WaitlistEntry(patient_id=patient_id, user_id=user_id, doctor_id=doctor_id, day=day)
        db.session.add(entry)
    entry.status, entry.joined_at, entry.offered_slot_id, entry.offer_expires_at = "waiting", clock.now(), None, None
    entry.appointment_id, entry.complaint_code = None, eligibility.complaint_of(complaint_code, reason)
    db.session.flush()
    offer_open_places(doctor_id, day)
    db.session.refresh(entry)
    return entry


def my_entries(actor):
    """The calling patient's waitlist entries, newest first."""
    return list(db.session.scalars(select(WaitlistEntry).where(WaitlistEntry.user_id == actor.user_id)
                                   .order_by(WaitlistEntry.joined_at.desc())))


def own_entry(actor, entry_id, view):
    """The caller's waitlist entry (404 for anyone else's, audited as denied when it exists)."""
    entry = db.session.get(WaitlistEntry, entry_id, populate_existing=True)
    if entry is None:
        raise ApiError(404, "not_found", "No such waitlist entry.")
    if entry.user_id != actor.user_id:
        record_access(actor, "update", f"WaitlistEntry/{entry.id}", f"Patient/{entry.patient_id}", outcome="denied",
                      detail={"reason": "not the caller's waitlist entry", "view": view})
        raise ApiError(404, "not_found", "No such waitlist entry.")
    return entry


def _first_waiting(slot, judged):
    """The first in line for the slot's doctor and day who may take it: for an online place, one whom the
    `book_online` check lets book it (the others stay waiting, for in-person places or a later change).
    `judged` keeps the answers of one offer pass (entry id -> allowed), so each patient is judged once."""
    line = select(WaitlistEntry).where(
        WaitlistEntry.doctor_id == slot.doctor_id, WaitlistEntry.day == slot.local_date,
        WaitlistEntry.status == "waiting").order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
    if slot.kind != "online":
        return db.session.scalar(line.limit(1))
    for entry in db.session.scalars(line).all():
        if entry.id not in judged:
            judged[entry.id] = eligibility.may_book_online(entry.patient_id, slot, entry.complaint_code,
                                                           f"waitlist:{entry.id} slot:{slot.id}")
        if judged[entry.id]:
            return entry
    return None


def _hold_for(slot, entry):
    """Hold one place of `slot` for `entry`; False when the place or the entry was taken meanwhile."""
    now = clock.now()
    if not conditional_update(Slot, [Slot.id == slot.id, Slot.status == "open", Slot.starts_at > now,
                                     Slot.booked + Slot.held < Slot.capacity], {"held": Slot.held + 1}):
        return False
    expires = now + timedelta(minutes=current_app.config["CLINIC_WAITLIST_HOLD_MINUTES"])
    if not conditional_update(WaitlistEntry, [WaitlistEntry.id == entry.id, WaitlistEntry.status == "waiting"],
                              {"status": "offered", "offered_slot_id": slot.id, "offer_expires_at": expires}):
        conditional_update(Slot, [Slot.id == slot.id, Slot.held > 0], {"held": Slot.held - 1})
        return False
    doctor = db.session.get(Doctor, slot.doctor_id)
    notify_user(entry.user_id, "waitlist_offer", f"A place with {doctor.name} is free",
                f"Accept before {expires.isoformat()} to book {slot.starts_at.isoformat()}.",
                {"waitlist_id": entry.id, "slot_id": slot.id, "starts_at": slot.starts_at.isoformat(),
                 "offer_expires_at": expires.isoformat()})
    return True


def offer_freed_place(slot, judged=None):
    """Offer a place that just came free in `slot` to the first in line who may take it (no-op if nobody)."""
    if slot is None or slot.status != "open" or slot.starts_at <= clock.now():
        return False
    entry = _first_waiting(slot, {} if judged is None else judged)
    if entry is None or not _hold_for(slot, entry):
        return False
    fhir_views.sync_slots([db.session.get(Slot, slot.id, populate_existing=True)])
    return True


def offer_open_places(doctor_id, day):
    """Offer every free place of the doctor's day to the patients waiting for it, in line order."""
    offered, judged = 0, {}
    free = db.session.scalars(select(Slot).where(
        Slot.doctor_id == doctor_id, Slot.local_date == day, Slot.status == "open", Slot.starts_at > clock.now(),
        Slot.booked + Slot.held < Slot.capacity).order_by(Slot.starts_at)).all()
    for slot in free:
        for _ in range(slot.capacity - slot.booked - slot.held):
            if not offer_freed_place(slot, judged):
                break  # nobody (who may take this one) waits: a place of the other kind may still go
            offered += 1
    return offered


def offer_new_places(doctor_id, days):
    """Offer the places newly opened in the doctor's `days` to the patients waiting for them."""
    waiting = db.session.scalars(select(WaitlistEntry.day).distinct().where(
        WaitlistEntry.doctor_id == doctor_id, WaitlistEntry.day.in_(days), WaitlistEntry.status == "waiting"))
    for day in waiting.all():
        offer_open_places(doctor_id, day)


def leave_waitlist(actor, entry_id):
    """Leave the line (a held place is released to the next patient)."""
    entry = own_entry(actor, entry_id, "cancel")
    begin_write()
    if not conditional_update(WaitlistEntry, [WaitlistEntry.id == entry.id, WaitlistEntry.status.in_(ACTIVE)],
                              {"status": "cancelled"}):
        raise ApiError(409, "not_waiting", "This waitlist entry is no longer active.")
    if entry.status == "offered":
        _release_hold(entry)
    db.session.refresh(entry)
    return entry


def _release_hold(entry):
    conditional_update(Slot, [Slot.id == entry.offered_slot_id, Slot.held > 0], {"held": Slot.held - 1})
    offer_open_places(entry.doctor_id, entry.day)


def expire_offers():
    """Expire holds past their deadline and pass each place to the next in line; return how many expired."""
    now = clock.now()
    stale = list(db.session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.status == "offered", WaitlistEntry.offer_expires_at <= now).limit(500)))
    if not stale:
        return 0
    begin_write()
    expired = 0
    for entry in stale:
        if conditional_update(WaitlistEntry, [WaitlistEntry.id == entry.id, WaitlistEntry.status == "offered",
                                              WaitlistEntry.offer_expires_at <= now], {"status": "expired"}):
            expired += 1
            _release_hold(entry)
    return expired
