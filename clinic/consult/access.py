"""Who may see and act on a consultation, and the care relationship consultations create.

A consultation's participants are its patient, its doctor and the guardians registered on it
(consult_participants). The doctor who called a patient into a room cares for that patient: the
provider registered here lets records and risk control see it (as appointments do in the clinic).
"""
from sqlalchemy import select

from core import auth
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from clinic.consult.models import Consultation, ConsultParticipant

CARE = "cares_for_patient"


def participant_role(consultation, user_id):
    """The role (patient | doctor | guardian) of `user_id` in the consultation, or None."""
    if not user_id:
        return None
    return db.session.scalar(select(ConsultParticipant.role).where(
        ConsultParticipant.consultation_id == consultation.id, ConsultParticipant.user_id == user_id))


def consultation_for(actor, consultation_id, action="read"):
    """The consultation if `actor` takes part in it (admins may read); 404 / 403 (audited) otherwise."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise ApiError(404, "not_found", "No such consultation.")
    if participant_role(consultation, actor.user_id) is None and not (actor.is_admin and action == "read"):
        record_access(actor, action, f"Consultation/{consultation.id}", f"Patient/{consultation.patient_id}",
                      outcome="denied", detail="not a participant")
        raise ApiError(403, "forbidden", "You do not take part in this consultation.")
    return consultation


def require_doctor(actor, consultation):
    """403 unless `actor` is the consultation's doctor."""
    if actor.user_id != consultation.doctor_user_id:
        raise ApiError(403, "forbidden", "Only the consultation's doctor may do this.")


def cares_for_patient(actor, patient_id):
    """True when the doctor has (had) a consultation with the patient."""
    if actor.role != "doctor" or not patient_id:
        return False
    return db.session.scalar(select(Consultation.id).where(
        Consultation.doctor_user_id == actor.user_id, Consultation.patient_id == patient_id).limit(1)) is not None


def patients_consulted(actor):
    """The ids of every patient the doctor has had a consultation with."""
    if actor.role != "doctor":
        return set()
    return set(db.session.scalars(select(Consultation.patient_id).where(
        Consultation.doctor_user_id == actor.user_id).distinct()))


def register():
    """Install the care-relationship providers with the kernel (idempotent)."""
    auth.register_relationship(CARE, cares_for_patient)
    auth.register_patient_scope(patients_consulted)
