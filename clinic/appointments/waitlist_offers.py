"""Accepting a place the waitlist holds for a patient: it is booked through the normal booking path."""
from clinic.appointments import WaitlistEntry
from clinic.appointments.booking import book_slot
from clinic.appointments.waitlist import own_entry
from core import clock
from core.dbutil import conditional_update
from core.errors import ApiError
from core.transaction import begin_write


def accept_offer(actor, entry_id, reason=None, channel="app"):
    """Book the held place through the normal booking path (with the complaint the patient waited about, so
    an online place is checked as it was offered); 409 when the offer expired or was not made."""
    entry = own_entry(actor, entry_id, "accept")
    begin_write()
    if entry.status != "offered" or not conditional_update(WaitlistEntry, [
            WaitlistEntry.id == entry.id, WaitlistEntry.status == "offered",
            WaitlistEntry.offer_expires_at > clock.now()], {"status": "booked"}):
        raise ApiError(409, "offer_not_available", "There is no live offer on this waitlist entry.",
                       status_now=entry.status)
    appt = book_slot(actor, entry.offered_slot_id, reason=reason, channel=channel, from_hold=True,
                     complaint_code=entry.complaint_code)
    conditional_update(WaitlistEntry, [WaitlistEntry.id == entry.id], {"appointment_id": appt.id})
    return appt
