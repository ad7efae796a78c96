"""Admin reports: measured waiting times."""
from flask.views import MethodView
from flask_smorest import Blueprint

from clinic import reports
from clinic.schemas.appointments import ReportQuerySchema, WaitingTimeRowSchema
from core.auth import require_role
from core.errors import ApiError

bp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="Operational reports (admin)")


@bp.route("/waiting-times")
class WaitingTimes(MethodView):
    @require_role("admin")
    @bp.arguments(ReportQuerySchema, location="query")
    @bp.response(200, WaitingTimeRowSchema(many=True))
    def get(self, query):
        """Average and median wait (check-in to call) per institution, doctor or day, for calls in [from, to)."""
        if query["to"] <= query["from_"]:
            raise ApiError(422, "validation_error", "One or more fields are invalid.", title="Request validation failed",
                           errors=[{"field": "to", "message": "must be after from"}])
        return reports.waiting_times(query["from_"], query["to"], query["group_by"])
