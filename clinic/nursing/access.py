"""What a nurse may read of a patient's record: while the nurse has a home visit of the patient scheduled or
under way (relation "nurse_visits_patient", and the patient scope of the nurse's searches). records.access
limits the types (conditions, allergies, medicines, observations, care plans) and keeps it read-only."""
from sqlalchemy import select

from clinic.nursing.models import NursingRequest, NursingVisit
from core import auth
from core.extensions import db

NURSE_VISIT = "nurse_visits_patient"
LIVE = ("scheduled", "in_progress")  # a completed visit ends the access


def _live_visits(actor):
    return (select(NursingRequest.patient_id).join(NursingVisit, NursingVisit.request_id == NursingRequest.id)
            .where(NursingVisit.nurse_user_id == actor.user_id, NursingVisit.status.in_(LIVE)))


def visits_patient(actor, target):
    """Relationship "nurse_visits_patient": the nurse has a live home visit of the patient."""
    if actor.role != "nurse" or not actor.user_id:
        return False
    patient_id = str(target).removeprefix("Patient/")
    return db.session.scalar(_live_visits(actor).where(NursingRequest.patient_id == patient_id).limit(1)) is not None


def patients_visited(actor):
    """Patient scope for nurses: the patients of their live home visits."""
    if actor.role != "nurse" or not actor.user_id:
        return set()
    return set(db.session.scalars(_live_visits(actor)))


def register():
    auth.register_relationship(NURSE_VISIT, visits_patient)
    auth.register_patient_scope(patients_visited)
