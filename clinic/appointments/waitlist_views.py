"""Waitlist endpoints: join the line for a doctor and day, accept a held place, leave."""
from flask.views import MethodView

from clinic.appointments import waitlist, waitlist_offers
from clinic.appointments.schemas import AppointmentSchema, WaitlistAcceptSchema, WaitlistCreateSchema, WaitlistSchema
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.dbutil import retry_transient
from core.idempotency import HEADER_DOC, idempotent
from core.pagination import PageQuerySchema, page_of

bp = Blueprint("waitlist", __name__, url_prefix="/api/v1/waitlist", description="Waitlist for a doctor and day")


@bp.route("")
class Waitlist(MethodView):
    @require_role("patient")
    @bp.doc(operationId="listWaitlistEntries")
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, page_of(WaitlistSchema))
    def get(self, query):
        """The caller's waitlist entries, newest first."""
        page = query["page"]
        return page.answer(page.cut(waitlist.my_entries(current_actor())))

    @require_role("patient")
    @bp.doc(operationId="joinWaitlist")
    @bp.errors({404: "No such doctor.", 409: "You are already on the waitlist for that doctor and day."})
    @bp.arguments(WaitlistCreateSchema, example={"doctor_id": "3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f", "date": "2026-03-02"})
    @bp.response(201, WaitlistSchema)
    def post(self, body):
        """Join the line for a doctor on a local date; a freed place is held for you and notified (an online
        place only when risk control would let you book it online with your complaint)."""
        return waitlist.join_waitlist(current_actor(), body["doctor_id"], body["date"], body.get("complaint_code"),
                                      body.get("reason"))


@bp.route("/<string:entry_id>/accept")
class Accept(MethodView):
    @require_role("patient")
    @retry_transient
    @idempotent
    @bp.doc(operationId="acceptWaitlistOffer")
    @bp.errors({
        404: "No such waitlist entry, or not yours.",
        409: "There is no live offer on this entry (it expired or was not made), or the booking rules refuse it.",
    })
    @bp.doc(parameters=[HEADER_DOC])
    @bp.arguments(WaitlistAcceptSchema)
    @bp.response(201, AppointmentSchema)
    def post(self, body, entry_id):
        """Book the place held for you (409 when the offer has expired)."""
        return waitlist_offers.accept_offer(current_actor(), entry_id, body.get("reason"), body["channel"])


@bp.route("/<string:entry_id>/cancel")
class Leave(MethodView):
    @require_role("patient")
    @bp.doc(operationId="leaveWaitlist")
    @bp.errors({404: "No such waitlist entry, or not yours.", 409: "The entry is no longer active."})
    @bp.response(200, WaitlistSchema)
    def post(self, entry_id):
        """Leave the line (a held place passes to the next patient)."""
        return waitlist.leave_waitlist(current_actor(), entry_id)
