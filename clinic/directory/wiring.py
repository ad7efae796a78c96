"""What the directory plugs into the app at start-up: accounts may link only to a doctor it knows."""
from sqlalchemy import select

from clinic.directory import Doctor
from core import accounts
from core.extensions import db


def practitioner_exists(practitioner_id):
    """True when a doctor of the directory carries this practitioner id."""
    return db.session.scalar(select(Doctor.id).where(Doctor.practitioner_id == practitioner_id).limit(1)) is not None


def init_app(app):
    """Register the staff-link check of practitioners (called from clinic.init_app)."""
    accounts.register_link_target("practitioner", practitioner_exists)
