"""Reading the FHIR resources pharmacy derives, through records.api as the system actor."""
from core.auth import SYSTEM
from core.extensions import db
from records import api as records


def resources(app, resource_type, **params):
    """Every current resource of a type matching the search parameters."""
    with app.app_context():
        found = records.search(SYSTEM, resource_type, [*params.items(), ("_count", "100")]).resources
        db.session.rollback()
        return found
