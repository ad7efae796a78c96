"""What orders tell billing (an order's charge, the pharmacy that took it, a cancellation) and when billing
may refund an order's charge (installed at start-up by pharmacy.services.init_app)."""
from billing import services as billing
from core import reporting
from core.auth import SYSTEM
from core.extensions import db
from pharmacy import hooks, states
from pharmacy.models import Order


def charge(order, items, user_id):
    """Charge the order: each medicine and delivery at the price list of the pharmacy it is offered to (the
    platform's list where that pharmacy has none, or none took it)."""
    billing.charge_order({"id": order.id, "patient_id": order.patient_id, "user_id": user_id, "mode": order.mode,
                          "pharmacy_id": order.pharmacy_id,
                          "items": [{"code": i.code, "display": i.display, "quantity": i.quantity} for i in items]})


def accepted(order):
    """The pharmacy that accepted the order is the one paid for it."""
    billing.assign_payee(f"PharmacyOrder/{order.id}", "pharmacy", order.pharmacy_id)


def cancelled(order):
    """A cancelled order: its unpaid charge is void, its paid one refunded."""
    billing.close_source(f"PharmacyOrder/{order.id}", "order cancelled")


def refund_rule(order_id):
    """Refund all when the order was cancelled or no pharmacy accepts it."""
    order = db.session.get(Order, order_id)
    if order is None:
        return None
    if order.status == states.CANCELLED:
        return {"rule": "order_cancelled", "refundable_fen": None}
    if order.status == states.UNROUTABLE:
        return {"rule": "no_pharmacy_accepted", "refundable_fen": None}
    return None


def refund_supervision(order_id):
    """A refund of medicine is reported on its prescription's trace (the chain the regulator follows)."""
    order = db.session.get(Order, order_id)
    if order is None:
        return None
    return ("prescription.refunded", f"Order/{order.id}",
            reporting.prescription_trace(order.prescription_id), f"Patient/{order.patient_id}")


def register(cancel_order):
    """Install the refund rule and the expiry handler of orders' charges; `cancel_order` is orders' (passed in:
    orders calls this module, so it cannot import orders back)."""

    def release_unpaid(order_id):
        """Payment was required and none came in time: the order is cancelled (offers withdrawn, reservations
        given back) and the patient told."""
        order = db.session.get(Order, order_id)
        if order is None or order.status not in states.TRANSITIONS["cancel"][0]:
            return
        cancel_order(SYSTEM, order_id)
        hooks.notify("order.expired", [f"Patient/{order.patient_id}"],
                     {"order_id": order_id, "reason": "not paid in time"})

    billing.register_refund_rule("PharmacyOrder", refund_rule)
    billing.register_expiry_handler("PharmacyOrder", release_unpaid)
    billing.register_supervision("PharmacyOrder", refund_supervision)
