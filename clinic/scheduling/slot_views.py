"""Slot search: what can be booked."""
from flask.views import MethodView

from clinic.scheduling import slots
from clinic.scheduling.schemas import SlotQuerySchema, SlotSchema
from core.auth import require_role
from core.blueprint import Blueprint
from core.pagination import page_of

bp = Blueprint("slots", __name__, url_prefix="/api/v1", description="Bookable slots")
# A page as every list answers it (core.pagination): follow `next` for the rest.
PAGE_EXAMPLE = {"items": [{
    "id": "0b9f6c1e2d7a4f3e9c8b7a6d5e4f3a2b", "doctor_id": "3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f",
    "institution_id": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", "kind": "online", "session": "afternoon",
    "local_date": "2026-03-02", "starts_at": "2026-03-02T06:00:00+00:00", "ends_at": "2026-03-02T06:15:00+00:00",
    "capacity": 1, "booked": 0, "held": 0, "available": True, "status": "open", "flagged": False,
    "flag_reason": None}],
    "next": "https://hospital.example/api/v1/slots?kind=online&limit=1&cursor=eyJvIjoxLCJmIjoiNGE1YjZjN2Q4ZTlmMGExYiJ9",
    "total": None}


@bp.route("/slots")
class Slots(MethodView):
    @require_role()
    @bp.doc(operationId="listSlots")
    @bp.arguments(SlotQuerySchema, location="query")
    @bp.response(200, page_of(SlotSchema), example=PAGE_EXAMPLE)
    def get(self, query):
        """Slots by doctor, institution, specialty, kind and time window (bookable ones only by default)."""
        page = query["page"]
        return page.answer(slots.search_slots(query.get("doctor_id"), query.get("institution_id"),
                                              query.get("specialty"), query.get("kind"), query.get("from_"),
                                              query.get("to"), query["available"], page))
