"""The clinic queue seen from the consulting rooms (clinic.consult.queue_link): who is next, and the
appointment's moves as the consultation goes on. Installed by clinic.init_app."""
from datetime import timedelta

from sqlalchemy import select

from clinic.appointments import Appointment, queue
from clinic.appointments.booking import transition
from clinic.directory.services import own_doctor_id
from clinic.fhir_views import services as fhir_views
from clinic.risk import services as risk
from core import clock
from core.extensions import db
from core.transaction import begin_write


class ClinicQueueLink:
    """The adapter object clinic.consult.queue_link expects (every method flushes, never commits)."""

    def next_checked_in(self, doctor, room):
        """The doctor's longest-waiting checked-in online patient (today's sessions), or None."""
        doctor_id = own_doctor_id(doctor)
        if doctor_id is None:
            return None
        today = clock.now().date()
        appt = db.session.scalar(select(Appointment).where(
            Appointment.doctor_id == doctor_id, Appointment.kind == "online", Appointment.status == "checked_in",
            # local dates of any zone the platform serves lie within a day of the UTC date
            Appointment.local_date.between(today - timedelta(days=1), today + timedelta(days=1)))
            .order_by(Appointment.checked_in_at.is_(None), Appointment.local_date, Appointment.queue_number,
                      Appointment.checked_in_at).limit(1))
        if appt is None:
            return None
        return {"id": appt.id, "patient_id": appt.patient_id, "user_id": appt.user_id, "reason": appt.reason,
                "complaint_code": appt.complaint_code,
                "guardian_user_ids": risk.active_guardian_user_ids(appt.patient_id)}

    def _move(self, appointment_id, target, **values):
        begin_write()
        appt = db.session.get(Appointment, appointment_id, populate_existing=True)
        if appt is None or appt.status == target:
            return appt  # idempotent: a sweep or a retry may repeat the move
        transition(appt, target, **values)
        fhir_views.sync_appointment(appt)
        queue.push_queue_updates(appt.doctor_id, appt.local_date, appt.session)
        return appt

    def mark_in_consultation(self, appointment_id):
        """The patient joined the room: the wait ends here."""
        self._move(appointment_id, "in_consultation", called_at=clock.now())

    def mark_fulfilled(self, appointment_id):
        """The consultation closed: its duration feeds the wait estimates."""
        self._move(appointment_id, "fulfilled", finished_at=clock.now())

    def mark_refused(self, appointment_id, decision):
        """Risk control refused the online start: out of the queue, referred in person."""
        self._move(appointment_id, "referred", finished_at=clock.now())

    def requeue_or_noshow(self, appointment_id, action):
        """The invited patient did not come: a new number at the back of the queue, or noshow."""
        if action == "noshow":
            self._move(appointment_id, "noshow")
            return
        begin_write()
        appt = db.session.get(Appointment, appointment_id, populate_existing=True)
        if appt is None or appt.status != "checked_in":
            return
        appt.queue_number = queue.next_queue_number(appt)
        db.session.flush()
        queue.push_queue_updates(appt.doctor_id, appt.local_date, appt.session)


def register():
    """Connect the consulting rooms to the queue."""
    from clinic.consult import services as consult

    consult.set_queue_link(ClinicQueueLink())
