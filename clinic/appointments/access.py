"""Who may see and do what in the clinic, and the care relationships clinic grants to core.auth.

A patient sees only their own appointments; a doctor those booked with them; an admin all. Anything
else answers 404, not 403, so ids cannot be probed; the refusal of an appointment that exists is audited
as denied (kept when the request rolls back), one that does not exist is not (no patient's data was
reached). A doctor cares for a patient who has a non-cancelled appointment with them or has signed with
them as family doctor.
"""
from sqlalchemy import select

from clinic.appointments import Appointment
from clinic.directory import FamilyDoctorBinding
from clinic.directory.services import own_doctor_id
from core import auth
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db

CARE = "cares_for_patient"
NOT_FOUND = "No such appointment."


def can_see_appointment(actor, appt):
    """True when `actor` may see `appt`."""
    if actor.is_admin:
        return True
    if actor.role == "patient":
        return appt.patient_id == actor.patient_id
    if actor.role == "doctor":
        return appt.doctor_id == own_doctor_id(actor)
    return False


def visible_appointment(actor, appointment_id, action="read", view=None):
    """The appointment if `actor` may see it, else 404 (audited as denied when it exists)."""
    appt = db.session.get(Appointment, appointment_id, populate_existing=True)
    if appt is None:
        raise ApiError(404, "not_found", NOT_FOUND)
    if not can_see_appointment(actor, appt):
        audit_denied(actor, appt, action, "not the patient's, their doctor's or an admin's", view)
        raise ApiError(404, "not_found", NOT_FOUND)
    return appt


def audit_denied(actor, appt, action, reason, view=None):
    """Record a refused access to `appt` (kept when the request rolls back); the caller raises the refusal."""
    record_access(actor, action, f"Appointment/{appt.id}", f"Patient/{appt.patient_id}", outcome="denied",
                  detail={"reason": reason, "view": view})


def cares_for_patient(actor, patient_id):
    """True when the doctor has a non-cancelled appointment with, or a family-doctor contract for, the patient."""
    doctor_id = own_doctor_id(actor)
    if doctor_id is None or not patient_id:
        return False
    booked = db.session.scalar(select(Appointment.id).where(
        Appointment.doctor_id == doctor_id, Appointment.patient_id == patient_id,
        Appointment.status != "cancelled").limit(1))
    if booked:
        return True
    return db.session.scalar(select(FamilyDoctorBinding.id).where(
        FamilyDoctorBinding.doctor_id == doctor_id, FamilyDoctorBinding.patient_id == patient_id)) is not None


def patients_cared_for(actor):
    """Every patient id the doctor cares for through appointments or family-doctor contracts."""
    doctor_id = own_doctor_id(actor)
    if doctor_id is None:
        return set()
    booked = db.session.scalars(select(Appointment.patient_id).distinct().where(
        Appointment.doctor_id == doctor_id, Appointment.status != "cancelled"))
    signed = db.session.scalars(select(FamilyDoctorBinding.patient_id).where(FamilyDoctorBinding.doctor_id == doctor_id))
    return set(booked) | set(signed)


def register():
    """Install the providers with the kernel (idempotent)."""
    auth.register_relationship(CARE, cares_for_patient)
    auth.register_patient_scope(patients_cared_for)


def patient_of(actor):
    """The (patient_id, user_id) of a patient actor; 403 for anyone else."""
    if actor.role != "patient" or not actor.patient_id:
        raise ApiError(403, "forbidden", "Only patients book appointments for themselves.")
    return actor.patient_id, actor.user_id
