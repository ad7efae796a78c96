"""App API: fulfilment orders for patients and pharmacies.

Pharmacy answers are idempotent: repeating a transition that already happened returns 200 with the
current order and changed=false; a transition the order's state does not allow is a 409.
"""
from flask.views import MethodView

from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.errors import ApiError
from core.extensions import db
from core.pagination import page_of
from pharmacy import fulfilment, orders
from pharmacy.locked import retry_when_locked
from pharmacy.schemas import DeclinedSchema, DeclineSchema, FulfilmentSchema, OrderQuerySchema, OrderSchema

bp = Blueprint("pharmacy_orders", __name__, url_prefix="/api/v1", description="Prescription fulfilment")


def _pharmacist_view(order, changed):
    return {**orders.view_order(order, for_pharmacy=True), "changed": changed}


@bp.route("/prescriptions/<string:prescription_id>/fulfilment")
class Fulfilment(MethodView):
    @require_role("patient")
    @bp.doc(operationId="requestFulfilment")
    @bp.errors({
        404: "No such prescription, or not yours.",
        409: "The prescription is not approved, or already has an order.",
        422: "Invalid fields, or delivery without an address.",
    })
    @bp.arguments(FulfilmentSchema, example={"mode": "pickup", "location": {"lat": 29.8683, "lon": 121.544}})
    @bp.response(201, OrderSchema)
    def post(self, body, prescription_id):
        """Have an approved prescription filled by pickup or delivery; it is offered to the best pharmacy at once."""
        location = body["location"]
        order = orders.request_fulfilment(current_actor(), prescription_id, body["mode"], location["lat"],
                                          location["lon"], body.get("address"))
        return orders.view_order(order)


@bp.route("/orders/<string:order_id>")
class OrderById(MethodView):
    @require_role("patient", "pharmacist")
    @bp.doc(operationId="getOrder")
    @bp.errors({404: "No such order, or not yours or your pharmacy's."})
    @bp.response(200, OrderSchema)
    def get(self, order_id):
        """An order: the patient's own, or one offered to or held by the pharmacist's pharmacy."""
        actor = current_actor()
        return orders.view_order(orders.read_order(actor, order_id), for_pharmacy=actor.role == "pharmacist")


@bp.route("/orders/<string:order_id>/cancel")
class OrderCancel(MethodView):
    @require_role("patient")
    @bp.doc(operationId="cancelOrder")
    @bp.errors({404: "No such order, or not yours.", 409: "The drugs were dispensed: too late to cancel."})
    @bp.response(200, OrderSchema)
    def post(self, order_id):
        """Cancel before dispensing: reserved stock is released (repeating it is a no-op)."""
        order, changed = retry_when_locked(lambda: orders.cancel_order(current_actor(), order_id))
        return {**orders.view_order(order), "changed": changed}


@bp.route("/orders/<string:order_id>/retry")
class OrderRetry(MethodView):
    @require_role("patient")
    @bp.doc(operationId="retryOrder")
    @bp.errors({404: "No such order, or not yours.", 409: "Only an unroutable order can be retried."})
    @bp.response(200, OrderSchema)
    def post(self, order_id):
        """Route an unroutable order again (pharmacies that declined before may be asked again)."""
        return orders.view_order(orders.retry_order(current_actor(), order_id))


@bp.route("/pharmacy/orders")
class PharmacyOrders(MethodView):
    @require_role("pharmacist")
    @bp.doc(operationId="listPharmacyOrders")
    @bp.arguments(OrderQuerySchema, location="query")
    @bp.response(200, page_of(OrderSchema))
    def get(self, query):
        """Orders offered to or held by the pharmacist's pharmacy."""
        page = query["page"]
        rows = orders.list_pharmacy_orders(current_actor(), query.get("status"), page)
        return page.answer(orders.view_order(o, for_pharmacy=True) for o in rows)


@bp.route("/pharmacy/orders/<string:order_id>/accept")
class OrderAccept(MethodView):
    @require_role("pharmacist")
    @bp.doc(operationId="acceptOrder")
    @bp.errors({
        404: "No such order offered to your pharmacy.",
        409: "The offer expired or moved on, the stock is short or the pharmacy at capacity (the order is offered "
             "elsewhere).",
    })
    @bp.response(200, OrderSchema)
    def post(self, order_id):
        """Accept an offered order: every item is reserved at once, or nothing is and the order moves on (409)."""
        order, outcome = retry_when_locked(lambda: fulfilment.accept_order(current_actor(), order_id))
        if outcome in ("insufficient_stock", "at_capacity"):
            # The re-routing must stand although the answer is an error: commit it before the 409
            # (the request hook rolls back every response >= 400).
            db.session.commit()
            raise ApiError(409, outcome, "Nothing was reserved; the order was offered to another pharmacy."
                           if outcome == "insufficient_stock" else "The pharmacy is at capacity; the order moved on.")
        return _pharmacist_view(order, outcome == "accepted")


@bp.route("/pharmacy/orders/<string:order_id>/decline")
class OrderDecline(MethodView):
    @require_role("pharmacist")
    @bp.doc(operationId="declineOrder")
    @bp.errors({404: "No such order offered to your pharmacy.", 409: "The order is no longer offered to you."})
    @bp.arguments(DeclineSchema)
    @bp.response(200, DeclinedSchema)
    def post(self, body, order_id):
        """Decline an offered order with a reason; it goes to the next pharmacy (and is no longer visible here)."""
        offer, changed = retry_when_locked(lambda: fulfilment.decline_order(current_actor(), order_id, body["reason"]))
        return {"order_id": order_id, "status": "declined", "reason": offer.reason, "changed": changed}


def _advance(action, operation_id, doc):
    def post(self, order_id):
        order, changed = retry_when_locked(lambda: fulfilment.advance_order(current_actor(), order_id, action))
        return _pharmacist_view(order, changed)

    post.__doc__ = doc
    documented = bp.errors({404: "No such order held by your pharmacy.",
                            409: "The order's state does not allow this step (or it keeps changing)."})
    return require_role("pharmacist")(bp.doc(operationId=operation_id)(documented(bp.response(200, OrderSchema)(post))))


@bp.route("/pharmacy/orders/<string:order_id>/prepared")
class OrderPrepared(MethodView):
    post = _advance("prepare", "markOrderPrepared",
                    "Mark an accepted order prepared (ready for pickup or courier).")


@bp.route("/pharmacy/orders/<string:order_id>/picked-up")
class OrderPickedUp(MethodView):
    post = _advance("pick_up", "markOrderPickedUp",
                    "The patient collected a pickup order: the drugs are dispensed (exactly once).")


@bp.route("/pharmacy/orders/<string:order_id>/out-for-delivery")
class OrderOutForDelivery(MethodView):
    post = _advance("send_out", "markOrderOutForDelivery",
                    "A delivery order left with the courier: the drugs are dispensed (exactly once).")


@bp.route("/pharmacy/orders/<string:order_id>/delivered")
class OrderDelivered(MethodView):
    post = _advance("deliver", "markOrderDelivered", "The courier delivered the order.")
