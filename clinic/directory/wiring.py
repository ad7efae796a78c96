"""What the directory plugs into the app at start-up: accounts may link only to a doctor it knows."""
from clinic.directory.services import doctor_by_practitioner
from core import accounts


def practitioner_exists(practitioner_id):
    """True when a doctor of the directory carries this practitioner id."""
    return doctor_by_practitioner(practitioner_id) is not None


def init_app(app):
    """Register the staff-link check of practitioners (called from clinic.init_app)."""
    accounts.register_link_target("practitioner", practitioner_exists)
