"""Slot search: what can be booked."""
from flask.views import MethodView

from clinic import slots
from clinic.schemas.scheduling import SlotQuerySchema, SlotSchema
from core.auth import require_role
from core.blueprint import Blueprint

bp = Blueprint("slots", __name__, url_prefix="/api/v1", description="Bookable slots")


@bp.route("/slots")
class Slots(MethodView):
    @require_role()
    @bp.doc(operationId="listSlots")
    @bp.arguments(SlotQuerySchema, location="query")
    @bp.response(200, SlotSchema(many=True))
    def get(self, query):
        """Slots by doctor, institution, specialty, kind and time window (bookable ones only by default)."""
        return slots.search_slots(query.get("doctor_id"), query.get("institution_id"), query.get("specialty"),
                                  query.get("kind"), query.get("from_"), query.get("to"), query["available"],
                                  query["limit"])
