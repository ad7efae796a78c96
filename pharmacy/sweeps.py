"""Timed work: offers not answered by their deadline expire and the order goes to the next pharmacy.

Idempotent and safe to run in several processes at once: each order is claimed by a conditional
update (deadline still passed, still offered to the same pharmacy) before anything else happens.
"""
import logging

from sqlalchemy import select, update

from core import clock, metrics
from core.extensions import db
from core.scheduler import register_periodic
from pharmacy import routing, states
from pharmacy.metrics import OFFERS_EXPIRED
from pharmacy.models import Offer, Order
from pharmacy.orders import needs_of

log = logging.getLogger(__name__)
BATCH = 200


@register_periodic("pharmacy.expire_offers", seconds=30)
def expire_offers(batch=BATCH):
    """Expire overdue offers and re-route their orders; returns how many offers expired."""
    now = clock.now()
    due = db.session.execute(select(Order.id, Order.pharmacy_id, Order.round).where(
        Order.status == states.OFFERED, Order.offer_deadline <= now)
        .order_by(Order.offer_deadline).limit(batch)).all()
    expired = 0
    for order_id, pharmacy_id, round_no in due:
        try:
            with db.session.begin_nested():
                claimed = db.session.execute(update(Order).where(
                    Order.id == order_id, Order.status == states.OFFERED, Order.pharmacy_id == pharmacy_id,
                    Order.offer_deadline <= now).values(offer_deadline=None, updated_at=now)
                    .execution_options(synchronize_session=False)).rowcount == 1
                if not claimed:  # answered, cancelled or expired by someone else meanwhile
                    continue
                db.session.execute(update(Offer).where(
                    Offer.order_id == order_id, Offer.round == round_no, Offer.pharmacy_id == pharmacy_id,
                    Offer.status == "offered").values(status="expired", answered_at=now, reason="no answer by the deadline"))
                order = db.session.get(Order, order_id, populate_existing=True)
                routing.route_order(order, needs_of(order)[0], reason="previous offer expired")
                expired += 1
        except Exception:  # one bad order must not stop the sweep; it is retried next time
            log.exception("expiring the offer of order %s failed", order_id)
    if expired:
        metrics.count_after_commit(OFFERS_EXPIRED, amount=expired)
    return expired
