"""Appointment endpoints: book, list, read, cancel, reschedule, check in, call, finish, queue position."""
from flask.views import MethodView
from sqlalchemy import select

from clinic.appointments import Appointment, booking, queue
from clinic.appointments.access import visible_appointment
from clinic.appointments.schemas import (AppointmentCreateSchema, AppointmentQuerySchema, AppointmentSchema,
                                         QueuePositionSchema, RescheduleSchema)
from clinic.directory.services import own_doctor_id
from core import accounts, clock
from core.audit import record_access
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.dbutil import retry_transient
from core.idempotency import HEADER_DOC, idempotent
from core.pagination import page_of

bp = Blueprint("appointments", __name__, url_prefix="/api/v1/appointments", description="Appointments and the queue")


@bp.route("")
class Appointments(MethodView):
    @require_role()
    @bp.doc(operationId="listAppointments")
    @bp.arguments(AppointmentQuerySchema, location="query")
    @bp.response(200, page_of(AppointmentSchema))
    def get(self, query):
        """The caller's appointments (a doctor: their own, `date` for a day list; admins: all)."""
        actor, page = current_actor(), query["page"]
        stmt = select(Appointment)
        if actor.role == "patient":
            stmt = stmt.where(Appointment.patient_id == actor.patient_id)
        elif actor.role == "doctor":
            stmt = stmt.where(Appointment.doctor_id == (own_doctor_id(actor) or ""))
        elif not actor.is_admin:
            return page.answer(page.cut([]))
        if query.get("date"):
            stmt = stmt.where(Appointment.local_date == query["date"])
        if query.get("status"):
            stmt = stmt.where(Appointment.status == query["status"])
        order = (Appointment.queue_number, Appointment.starts_at) if query.get("date") else (Appointment.starts_at,)
        rows = page.rows(stmt.order_by(*order, Appointment.id))
        patients = sorted({row.patient_id for row in rows})
        briefs = accounts.patient_briefs(patients, clock.now().date())
        for row in rows:  # who each patient in the list is (a doctor's day list shows names, not ids)
            row.patient_brief = briefs.get(row.patient_id)
        record_access(actor, "search", "Appointment", f"Patient/{actor.patient_id}" if actor.patient_id else None,
                      detail={"returned": len(rows), "patients": [f"Patient/{p}" for p in patients[:50]]})
        return page.answer(rows)

    @require_role("patient")
    @retry_transient
    @idempotent
    @bp.doc(operationId="bookAppointment")
    @bp.errors({
        404: "No such slot.",
        409: "The slot is full, started or no longer offered; you hold another appointment at that time or the day's "
             "limit; or a request with this Idempotency-Key is still in progress.",
        422: "Invalid fields; the slot is of another kind; not eligible for online treatment (`not_eligible` with "
             "reasons, next steps and a referral); or the Idempotency-Key was used with another request.",
    })
    @bp.doc(parameters=[HEADER_DOC])
    @bp.arguments(AppointmentCreateSchema, example={"slot_id": "0b9f6c1e2d7a4f3e9c8b7a6d5e4f3a2b", "kind": "online",
                                                    "reason": "I10 blood pressure follow-up", "channel": "app"})
    @bp.response(201, AppointmentSchema)
    def post(self, body):
        """Book a slot. 409 when full or conflicting; 422 `not_eligible` with reasons and referral."""
        return booking.book_slot(current_actor(), body["slot_id"], body["kind"], body.get("reason"), body["channel"],
                                 complaint_code=body.get("complaint_code"))


# Views that only read the appointment: each read of it (its status, its queue place) is audited.
READS = ("read", "queue")


def _visible(appointment_id, action="read"):
    actor = current_actor()
    appt = visible_appointment(actor, appointment_id, "read" if action in READS else "update", view=action)
    if action in READS:
        record_access(actor, "read", f"Appointment/{appt.id}", f"Patient/{appt.patient_id}",
                      detail=None if action == "read" else {"view": action})
    return actor, appt


@bp.route("/<string:appointment_id>")
class AppointmentById(MethodView):
    @require_role()
    @bp.doc(operationId="getAppointment")
    @bp.errors({404: "No such appointment, or not yours, your patient's or (admins) any."})
    @bp.response(200, AppointmentSchema)
    def get(self, appointment_id):
        """One appointment (404 unless it is yours, your patient's, or you are an admin)."""
        return _visible(appointment_id)[1]


@bp.route("/<string:appointment_id>/cancel")
class Cancel(MethodView):
    @require_role()
    @retry_transient
    @idempotent
    @bp.doc(operationId="cancelAppointment")
    @bp.errors({
        403: "Only the patient or an administrator may cancel.",
        404: "No such appointment, or not yours.",
        409: "Past the cancellation cut-off, or the appointment can no longer be cancelled (or changed meanwhile).",
        422: "The Idempotency-Key was used with another request.",
    })
    @bp.doc(parameters=[HEADER_DOC])
    @bp.response(200, AppointmentSchema)
    def post(self, appointment_id):
        """Cancel (patients up to the cut-off before the start); the place goes to the waitlist."""
        return booking.cancel_appointment(*_visible(appointment_id, "cancel"))


@bp.route("/<string:appointment_id>/reschedule")
class Reschedule(MethodView):
    @require_role()
    @retry_transient
    @idempotent
    @bp.doc(operationId="rescheduleAppointment")
    @bp.errors({
        403: "Only the patient or an administrator may reschedule.",
        404: "No such appointment (or not yours), or no such slot.",
        409: "The new slot is full or the same; past the cut-off; or the appointment can no longer be moved.",
    })
    @bp.doc(parameters=[HEADER_DOC])
    @bp.arguments(RescheduleSchema)
    @bp.response(200, AppointmentSchema)
    def post(self, body, appointment_id):
        """Move to another slot atomically (409 and no change when the new slot is full)."""
        actor, appt = _visible(appointment_id, "reschedule")
        return booking.reschedule_appointment(actor, appt, body["slot_id"])


@bp.route("/<string:appointment_id>/check-in")
class CheckIn(MethodView):
    @require_role()
    @bp.doc(operationId="checkInAppointment")
    @bp.errors({
        403: "Only the patient or the front desk (administrators) may check in.",
        404: "No such appointment, or not yours.",
        409: "Check-in is not open now, or the appointment is not booked.",
    })
    @bp.response(200, QueuePositionSchema)
    def post(self, appointment_id):
        """Check in (desk, kiosk, or the online waiting room): get a queue number and position."""
        appt = queue.check_in(*_visible(appointment_id, "check-in"))
        return queue.queue_position(appt)


@bp.route("/<string:appointment_id>/call")
class Call(MethodView):
    @require_role("doctor", "admin")
    @bp.doc(operationId="callPatient")
    @bp.errors({
        403: "Only the appointment's doctor or an administrator may call the patient.",
        404: "No such appointment, or not your patient's.",
        409: "The patient is not checked in.",
    })
    @bp.response(200, AppointmentSchema)
    def post(self, appointment_id):
        """The doctor calls the patient in: the consultation starts."""
        return queue.call_patient(*_visible(appointment_id, "call"))


@bp.route("/<string:appointment_id>/finish")
class Finish(MethodView):
    @require_role("doctor", "admin")
    @bp.doc(operationId="finishAppointment")
    @bp.errors({
        403: "Only the appointment's doctor or an administrator.",
        404: "No such appointment, or not your patient's.",
        409: "The appointment is not in consultation.",
    })
    @bp.response(200, AppointmentSchema)
    def post(self, appointment_id):
        """The doctor ends the consultation (its duration feeds the wait estimates)."""
        return queue.finish_consultation(*_visible(appointment_id, "finish"))


@bp.route("/<string:appointment_id>/queue")
class QueuePosition(MethodView):
    @require_role()
    @bp.doc(operationId="getQueuePosition")
    @bp.errors({404: "No such appointment, or not yours or your patient's."})
    @bp.response(200, QueuePositionSchema)
    def get(self, appointment_id):
        """Position in the doctor's queue and the estimated wait."""
        return queue.queue_position(_visible(appointment_id, "queue")[1])
