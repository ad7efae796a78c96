"""Admin reports: measured waiting times and consulting-room utilisation."""
from flask.views import MethodView

from clinic.reports import services as reports
from clinic.reports import utilisation
from clinic.reports.schemas import ReportQuerySchema, UtilisationQuerySchema, UtilisationRowSchema, WaitingTimeRowSchema
from core.auth import require_role
from core.blueprint import Blueprint
from core.errors import ApiError
from core.pagination import page_of

bp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="Operational reports (admin)")


def _check_window(query):
    if query["to"] <= query["from_"]:
        raise ApiError(422, "validation_error", "One or more fields are invalid.", title="Request validation failed",
                       errors=[{"field": "to", "message": "must be after from"}])


@bp.route("/waiting-times")
class WaitingTimes(MethodView):
    @require_role("admin")
    @bp.doc(operationId="getWaitingTimesReport")
    @bp.arguments(ReportQuerySchema, location="query")
    @bp.response(200, page_of(WaitingTimeRowSchema))
    def get(self, query):
        """Average and median wait (check-in to call) per institution, doctor or day, for calls in [from, to)."""
        _check_window(query)
        page = query["page"]
        return page.answer(page.cut(reports.waiting_times(query["from_"], query["to"], query["group_by"])))


@bp.route("/room-utilisation")
class RoomUtilisation(MethodView):
    @require_role("admin")
    @bp.doc(operationId="getRoomUtilisationReport")
    @bp.arguments(UtilisationQuerySchema, location="query")
    @bp.response(200, page_of(UtilisationRowSchema))
    def get(self, query):
        """Per consulting room and local day: consultations, minutes in consultation and the busy share, in [from, to)."""
        _check_window(query)
        page = query["page"]
        return page.answer(page.cut(utilisation.room_utilisation(query["from_"], query["to"])))
