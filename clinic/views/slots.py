"""Slot search: what can be booked."""
from flask.views import MethodView

from clinic import slots
from clinic.schemas.scheduling import SlotQuerySchema, SlotSchema
from core.auth import require_role
from core.blueprint import Blueprint
from core.pagination import page_of

bp = Blueprint("slots", __name__, url_prefix="/api/v1", description="Bookable slots")


@bp.route("/slots")
class Slots(MethodView):
    @require_role()
    @bp.doc(operationId="listSlots")
    @bp.arguments(SlotQuerySchema, location="query")
    @bp.response(200, page_of(SlotSchema))
    def get(self, query):
        """Slots by doctor, institution, specialty, kind and time window (bookable ones only by default)."""
        page = query["page"]
        return page.answer(slots.search_slots(query.get("doctor_id"), query.get("institution_id"),
                                              query.get("specialty"), query.get("kind"), query.get("from_"),
                                              query.get("to"), query["available"], page))
