"""The sandbox's cashier: what the patient's wallet app does at a real provider, for demos and the scenario.
Mounted only with BILLING_SANDBOX_CASHIER (on by default outside production); it can pay sandbox trades only,
and intents go to the sandbox only when it is the configured BILLING_PROVIDER."""
from flask import Blueprint, jsonify

from billing.providers import sandbox
from core.errors import ApiError

bp = Blueprint("billing_sandbox_cashier", __name__, url_prefix="/sandbox")


@bp.post("/pay/<string:provider_ref>")
def pay(provider_ref):
    """Pay an open sandbox trade (its notification follows from the scheduler); 404 unknown, 409 not open."""
    state = sandbox.SandboxProvider().query(provider_ref)
    if state.status == "unknown":
        raise ApiError(404, "not_found", "No such sandbox trade.")
    if not sandbox.customer_pays(provider_ref):
        raise ApiError(409, "trade_not_open", f"The trade is {state.status}.")
    return jsonify({"provider_ref": provider_ref, "status": "paid", "trade_no": state.trade_no})
