"""What appointments tell billing (a booking's charge) and what billing asks of appointments: when a paid
booking may be refunded, and how an unpaid one is released (installed at start-up by wiring)."""
from datetime import timedelta

from flask import current_app

from billing import services as billing
from clinic.appointments import Appointment
from clinic.fhir_views import services as fhir_views
from core import clock
from core.auth import Actor
from core.extensions import db

# Who cancels an unpaid booking: the platform acting as an administrator, with no account of its own.
BILLING_ACTOR = Actor(user_id=None, role="admin", name="billing (not paid in time)")


def charge(appt, slot):
    """Charge the booking: the institution's fees (registration, consultation by the doctor's title). Its
    Invoice and ChargeItems follow the Appointment's view through the outbox, after the commit (when the
    outbox runs; else now): in the request they were 13 of a booking's 20 statements and ~4 ms of its CPU."""
    billing.charge_appointment({"id": appt.id, "patient_id": appt.patient_id, "user_id": appt.user_id,
                                "institution_id": appt.institution_id, "kind": appt.kind,
                                "doctor_title": slot.doctor.title, "doctor_fee_fen": slot.doctor.consult_fee_fen},
                               views_later=fhir_views.enabled())


def charge_views(appointment_ids):
    """The outbox drain's companion: the Invoice and ChargeItems of these appointments' charges, written with
    the appointments' own views (one records call per drain)."""
    return billing.charge_views([f"Appointment/{appointment_id}" for appointment_id in appointment_ids])


def cancelled(appt, reason="appointment cancelled"):
    """A cancelled booking: its unpaid charge is void, its paid one refunded."""
    billing.close_source(f"Appointment/{appt.id}", reason)


def refund_rule(appointment_id):
    """Refund all when the booking was cancelled (patients only before the cut-off), referred offline, or never
    started (the patient checked in and was not called by its end plus the no-show grace)."""
    appt = db.session.get(Appointment, appointment_id)
    if appt is None:
        return None
    if appt.status == "cancelled":
        return {"rule": "cancelled_before_cutoff", "refundable_fen": None}
    if appt.status == "referred":
        return {"rule": "referred_offline", "refundable_fen": None}
    grace = timedelta(minutes=current_app.config["CLINIC_NOSHOW_GRACE_MINUTES"])
    if appt.status == "checked_in" and appt.called_at is None and clock.now() > appt.ends_at + grace:
        return {"rule": "never_started", "refundable_fen": None}
    return None


def register(cancel_appointment):
    """Install the refund rule and the expiry handler of appointments' charges; `cancel_appointment` is
    booking's (passed in: booking calls this module, so it cannot import booking back)."""

    def release_unpaid(appointment_id):
        """Payment was required and none came in time: the booking is cancelled, its place freed, the patient
        told."""
        appt = db.session.get(Appointment, appointment_id, populate_existing=True)
        if appt is not None and appt.status == "booked":
            cancel_appointment(BILLING_ACTOR, appt, why="because it was not paid in time")

    fhir_views.on_appointment_views(charge_views)
    billing.register_refund_rule("Appointment", refund_rule)
    billing.register_expiry_handler("Appointment", release_unpaid)
