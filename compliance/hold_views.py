"""Admin API of legal holds: place, list, read, lift."""
from flask.views import MethodView
from marshmallow import fields
from sqlalchemy import select

from compliance import holds
from compliance.models import LegalHold
from compliance.schemas import HoldInSchema, HoldLiftSchema, HoldSchema
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.pagination import PageQuerySchema, page_of

bp = Blueprint("holds", __name__, url_prefix="/api/v1/holds", description="Legal holds (admin)")


class HoldQuerySchema(PageQuerySchema):
    active = fields.Boolean(metadata={"description": "Only standing holds (true) or only lifted ones (false)"})


@bp.route("")
class Holds(MethodView):
    @require_role("admin")
    @bp.doc(operationId="listLegalHolds")
    @bp.arguments(HoldQuerySchema, location="query")
    @bp.response(200, page_of(HoldSchema))
    def get(self, query):
        """The legal holds, oldest first."""
        stmt = select(LegalHold).order_by(LegalHold.placed_at, LegalHold.id)
        if "active" in query:
            stmt = stmt.where(LegalHold.lifted_at.is_(None) if query["active"] else LegalHold.lifted_at.is_not(None))
        page = query["page"]
        return page.answer(page.rows(stmt))

    @require_role("admin")
    @bp.doc(operationId="placeLegalHold")
    @bp.errors({422: "No such patient, consultation or prescription."})
    @bp.arguments(HoldInSchema)
    @bp.response(201, HoldSchema)
    def post(self, body):
        """Place a hold with a reason: nothing of the target is deleted by any path until it is lifted."""
        return holds.place_hold(current_actor(), **body)


@bp.route("/<string:hold_id>")
class HoldById(MethodView):
    @require_role("admin")
    @bp.doc(operationId="getLegalHold")
    @bp.errors({404: "No such hold."})
    @bp.response(200, HoldSchema)
    def get(self, hold_id):
        """One legal hold, standing or lifted."""
        return holds.get_hold(hold_id)


@bp.route("/<string:hold_id>/lift")
class LiftHold(MethodView):
    @require_role("admin")
    @bp.doc(operationId="liftLegalHold")
    @bp.errors({404: "No such hold.", 409: "The hold was already lifted."})
    @bp.arguments(HoldLiftSchema)
    @bp.response(200, HoldSchema)
    def post(self, body, hold_id):
        """Lift a hold, with the reason."""
        return holds.lift_hold(current_actor(), hold_id, body["reason"])
