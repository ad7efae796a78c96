"""The caller's consultation under way (invited or active), so an app that reloads or reconnects resumes it."""
from sqlalchemy import select

from clinic.consult.models import LIVE_STATUSES, Consultation, ConsultParticipant
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db


def current_consultation(actor):
    """The newest live consultation the actor takes part in (patient, doctor or guardian); 404 when none."""
    consultation = db.session.scalars(
        select(Consultation).join(ConsultParticipant, ConsultParticipant.consultation_id == Consultation.id)
        .where(ConsultParticipant.user_id == actor.user_id, Consultation.status.in_(LIVE_STATUSES))
        .order_by(Consultation.invited_at.desc(), Consultation.id.desc()).limit(1)).first()
    if consultation is None:
        raise ApiError(404, "no_current_consultation", "You have no consultation under way.")
    record_access(actor, "read", f"Consultation/{consultation.id}", f"Patient/{consultation.patient_id}",
                  detail="current")
    return consultation
