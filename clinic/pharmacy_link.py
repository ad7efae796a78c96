"""What clinic gives pharmacy at start-up: the notifier (inbox + Socket.IO after commit).

Pharmacy names recipients by reference ("Patient/p1", "Practitioner/d1", "Pharmacy/x"); they are
resolved here to the accounts behind them.
"""
from sqlalchemy import select

from clinic.notify import notify_user
from core.extensions import db
from core.models import User
from pharmacy import services as pharmacy_services

TITLES = {
    "prescription.approved": "Your prescription was approved / 处方已审核通过",
    "prescription.rejected": "Your prescription was rejected / 处方审核未通过",
    "order.offered": "A new order is offered to your pharmacy / 新订单待接单",
    "order.accepted": "A pharmacy accepted your order / 药房已接单",
    "order.prepared": "Your medicine is ready / 药品已备好",
    "order.out_for_delivery": "Your medicine is on its way / 药品配送中",
    "order.delivered": "Your medicine was delivered / 药品已送达",
    "order.picked_up": "Your medicine was picked up / 药品已取走",
    "order.cancelled": "An order was cancelled / 订单已取消",
    "order.unroutable": "No pharmacy can fill the order now / 暂无药房可配药",
}
_COLUMNS = {"Patient": User.patient_id, "Practitioner": User.practitioner_id, "Pharmacy": User.pharmacy_id}


def users_for(reference):
    """The active accounts behind a reference like "Patient/p1" (a pharmacy has several pharmacists)."""
    kind, _, ident = reference.partition("/")
    column = _COLUMNS.get(kind)
    if column is None or not ident:
        return []
    return list(db.session.scalars(select(User.id).where(column == ident, User.is_active.is_(True))))


def notify_references(event, recipients, payload):
    """Pharmacy's notifier: one inbox entry (and push) per account behind each recipient."""
    title = TITLES.get(event, event)
    for reference in recipients:
        for user_id in users_for(reference):
            notify_user(user_id, event, title, data=payload)


def register():
    """Install the notifier into pharmacy."""
    pharmacy_services.set_notifier(notify_references)
