"""Identity-number claims: the claimant's own list, and the admin's review queue and decisions (core.id_claims)."""
from flask.views import MethodView

from core import id_claims
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.models import IdNumberClaim
from core.pagination import page_of
from core.schemas import (IdClaimApprovalSchema, IdClaimDecisionSchema, IdClaimQuerySchema, IdClaimSchema,
                          OwnIdClaimSchema)

bp = Blueprint("id_claims", __name__, url_prefix="/api/v1", description="Identity-number claims")
DECIDED = "The claim was already approved or rejected (`claim_decided`)."


@bp.route("/id-claims")
class OwnClaims(MethodView):
    @require_role("patient")
    @bp.doc(operationId="listOwnIdClaims")
    @bp.arguments(IdClaimQuerySchema, location="query")
    @bp.response(200, page_of(OwnIdClaimSchema))
    def get(self, query):
        """Your identity-number claims (filed when you registered with a number another account holds)."""
        stmt = id_claims.claims_of(current_actor().user_id)
        if query.get("status"):
            stmt = stmt.where(IdNumberClaim.status == query["status"])
        page = query["page"]
        return page.answer(page.rows(stmt))


@bp.route("/admin/id-claims")
class Claims(MethodView):
    @require_role("admin")
    @bp.doc(operationId="listIdClaims")
    @bp.arguments(IdClaimQuerySchema, location="query")
    @bp.response(200, page_of(IdClaimSchema))
    def get(self, query):
        """The identity-number claims, oldest first (filter `status=pending` for the review queue)."""
        page = query["page"]
        return page.answer(page.rows(id_claims.all_claims(query.get("status"))))


@bp.route("/admin/id-claims/<string:claim_id>/approve")
class Approve(MethodView):
    @require_role("admin")
    @bp.doc(operationId="approveIdClaim")
    @bp.errors({404: "No such claim.", 409: DECIDED + " Or the claimant's account has a number by now.",
                503: "The text-message gateway failed: nothing was changed; retry."})
    @bp.arguments(IdClaimApprovalSchema)
    @bp.response(200, IdClaimSchema)
    def post(self, body, claim_id):
        """Approve: the number moves to the claimant's account; the holder's account loses it and (by default)
        is deactivated with its tokens revoked. Both are told by text message; audited."""
        return id_claims.approve(current_actor(), claim_id, **body)


@bp.route("/admin/id-claims/<string:claim_id>/reject")
class Reject(MethodView):
    @require_role("admin")
    @bp.doc(operationId="rejectIdClaim")
    @bp.errors({404: "No such claim.", 409: DECIDED,
                503: "The text-message gateway failed: nothing was changed; retry."})
    @bp.arguments(IdClaimDecisionSchema)
    @bp.response(200, IdClaimSchema)
    def post(self, body, claim_id):
        """Reject: the number stays where it is; the claimant is told by text message (with the note); audited."""
        return id_claims.reject(current_actor(), claim_id, **body)
