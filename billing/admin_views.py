"""App API for administrators: fee schedules, the day's settlement and the reconciliation with the provider."""
from flask.views import MethodView

from billing import fees, settlement
from billing.schemas import DayQuerySchema, FeeQuerySchema, FeeSchema, ReconciliationSchema, SettlementSchema
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.pagination import page_of

bp = Blueprint("billing_admin", __name__, url_prefix="/api/v1", description="Fees, settlement, reconciliation")


@bp.route("/fees")
class Fees(MethodView):
    @require_role("admin")
    @bp.doc(operationId="listFees")
    @bp.arguments(FeeQuerySchema, location="query")
    @bp.response(200, page_of(FeeSchema))
    def get(self, query):
        """The price versions, newest first per payee, service and code."""
        page = query["page"]
        return page.answer(fees.list_fees(page, query.get("payee_id"), query.get("service")))

    @require_role("admin")
    @bp.doc(operationId="setFee")
    @bp.errors({409: "A price of that service already starts at that moment.", 422: "Invalid fields."})
    @bp.arguments(FeeSchema, example={"payee_id": "inst-1", "service": "consultation", "code": "Chief Physician",
                                      "amount_fen": 5000})
    @bp.response(201, FeeSchema)
    def post(self, body):
        """Add a price version from `effective_from` (now when omitted); earlier charges keep their price."""
        return fees.set_fee(current_actor(), body["payee_id"], body["service"], body["code"], body["amount_fen"],
                            body.get("effective_from"))


@bp.route("/settlements")
class Settlements(MethodView):
    @require_role("admin")
    @bp.doc(operationId="getSettlement")
    @bp.arguments(DayQuerySchema, location="query")
    @bp.response(200, SettlementSchema)
    def get(self, query):
        """The day's settlement per payee (institutions, pharmacies, the platform's fees) from the ledger: the
        day's totals, and whether its journals balance."""
        return settlement.settlement(query["date"])


@bp.route("/reconciliation")
class Reconciliation(MethodView):
    @require_role("admin")
    @bp.doc(operationId="getReconciliation")
    @bp.errors({404: "No such provider."})
    @bp.arguments(DayQuerySchema, location="query")
    @bp.response(200, ReconciliationSchema)
    def get(self, query):
        """Our payments and refunds of the day against the provider's statement file, every difference listed."""
        return settlement.reconciliation(query["date"], query.get("provider"))
