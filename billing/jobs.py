"""Billing's periodic work (the scheduler leader runs it; every run is idempotent):
expire unpaid charges, repair payments whose notification never came, deliver the sandbox's notifications."""
import logging

from flask import current_app
from sqlalchemy import select

from billing import payments, rules
from billing.charges import void_unpaid
from billing.models import Charge
from billing.providers import sandbox
from core import clock
from core.scheduler import register_periodic
from core.extensions import db

log = logging.getLogger(__name__)


@register_periodic("billing.expire_unpaid", seconds=30)
def expire_unpaid(limit=200):
    """Charges still unpaid at their due time expire, and their booking or order is released (when payment is
    required); each is claimed by a conditional update, so two runs release it once."""
    if not current_app.config["BILLING_PAYMENT_REQUIRED"]:
        return 0
    due = db.session.scalars(select(Charge).where(Charge.status == "pending", Charge.due_at.is_not(None),
                                                  Charge.due_at <= clock.now()).order_by(Charge.due_at)
                             .limit(limit)).all()
    expired = 0
    for charge in due:
        if void_unpaid(charge, "expired", "not paid in time"):
            rules.expire_source(charge.source_ref)
            expired += 1
    return expired


@register_periodic("billing.repair_payments", seconds=60)
def repair_payments():
    """Book the successes the provider knows of and we do not (lost notifications, a crash before our commit)."""
    return payments.repair_pending()


@register_periodic("billing.sandbox_notify", seconds=2)
def sandbox_notify():
    """Send the sandbox's due notifications to our own webhook, the way the provider would (over WSGI in this
    process): acknowledged ones are not sent again, refused ones are retried on the next run."""
    due = sandbox.due_notifications()
    db.session.commit()  # the webhook runs in its own request and transaction
    client = current_app.test_client()
    acknowledged = set()
    for notify_id, body, headers in due:
        response = client.post("/api/v1/payments/notify/sandbox", data=body, headers=headers,
                               content_type="application/json")
        if response.status_code == 200:
            acknowledged.add(notify_id)
        else:
            log.warning("sandbox notification %s answered %s", notify_id, response.status_code)
    sandbox.mark_sent(acknowledged)
    return len(acknowledged)
