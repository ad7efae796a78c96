"""Where a nurse works."""
from clinic.nursing.models import Nurse
from core.extensions import db


def nurse_institution(actor):
    """The institution of a nurse actor (None when not placed yet)."""
    nurse = db.session.get(Nurse, actor.user_id) if actor.role == "nurse" else None
    return nurse.institution_id if nurse else None
