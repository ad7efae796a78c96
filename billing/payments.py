"""Payments: an intent per charge, the provider's notifications (verified, deduplicated, replay-proof) and the
repair of payments whose notification never came (or came while we crashed).

A payment succeeds at most once, whatever arrives how often: the charge moves pending -> paid and the payment
pending -> succeeded by conditional updates in one transaction. Money that arrives for a charge no longer
payable (expired, voided, or paid by another attempt) is booked and given back at once."""
import json
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from billing import fhir, ledger, providers, refunds
from billing.charges import load_charge
from billing.models import Charge, Notification, Payment
from billing.providers.base import InvalidSignature, ProviderUnavailable
from core import clock
from core.audit import record_access
from core.auth import SYSTEM
from core.dbutil import insert_ignore
from core.errors import ApiError
from core.extensions import db
from core.transaction import begin_write
from core.types import new_id

log = logging.getLogger(__name__)


def create_intent(actor, charge_id):
    """Open (or return the open) payment of a pending charge with the configured provider (BILLING_PROVIDER;
    patients do not choose: the sandbox must not be reachable where a real provider is configured)."""
    charge = load_charge(actor, charge_id, action="create")
    if actor.role != "patient":
        raise ApiError(403, "forbidden", "Only the patient pays a charge.")
    if charge.status != "pending":
        raise ApiError(409, "not_payable", f"The charge is {charge.status}.", charge_status=charge.status)
    provider = providers.get(current_app.config["BILLING_PROVIDER"])
    begin_write()
    payment = db.session.scalar(select(Payment).where(Payment.charge_id == charge.id, Payment.status == "pending",
                                                      Payment.provider == provider.name)
                                .order_by(Payment.created_at.desc()).limit(1))
    if payment is None:
        payment = Payment(id=new_id(), charge_id=charge.id, provider=provider.name, provider_ref="P" + new_id()[:30],
                          amount_fen=charge.amount_fen, status="pending", created_at=clock.now(),
                          updated_at=clock.now())
        db.session.add(payment)
        db.session.flush()
        try:
            intent = provider.create_intent(payment.provider_ref, payment.amount_fen, f"Charge {charge.id}")
        except ProviderUnavailable:
            raise ApiError(503, "provider_unavailable", "The payment provider did not answer; try again.",
                           headers={"Retry-After": "10"}) from None
        payment.intent = json.dumps(intent)
        db.session.flush()
    record_access(actor, "create", f"Payment/{payment.id}", f"Patient/{charge.patient_id}")
    return payment


def read_payment(actor, payment_id):
    """A payment of the caller's own charge (admins: any); 404 otherwise."""
    payment = db.session.get(Payment, payment_id, populate_existing=True)
    if payment is None:
        raise ApiError(404, "not_found", "No such payment.")
    charge = load_charge(actor, payment.charge_id)
    record_access(actor, "read", f"Payment/{payment.id}", f"Patient/{charge.patient_id}")
    return payment


def query_payment(actor, payment_id):
    """The app is back from the provider's cashier: ask the provider about a pending payment now and book what
    it says (the same path as a notification; the repair job does this later for everyone)."""
    payment = read_payment(actor, payment_id)
    if payment.status != "pending":
        return payment
    try:
        state = providers.get(payment.provider).query(payment.provider_ref)
    except ProviderUnavailable:
        raise ApiError(503, "provider_unavailable", "The payment provider did not answer; try again.",
                       headers={"Retry-After": "10"}) from None
    begin_write()
    if state.status == "paid" and state.amount_fen == payment.amount_fen:
        settle_success(payment, state.trade_no, state.paid_at)
    elif state.status in ("closed", "unknown"):
        db.session.execute(update(Payment).where(Payment.id == payment.id, Payment.status == "pending")
                           .values(status="closed", updated_at=clock.now()))
    db.session.refresh(payment)
    return payment


def view_payment(payment):
    """The API representation of a payment (the intent: what the app shows to pay)."""
    return {"id": payment.id, "charge_id": payment.charge_id, "provider": payment.provider,
            "provider_ref": payment.provider_ref, "amount_fen": payment.amount_fen, "status": payment.status,
            "intent": json.loads(payment.intent) if payment.intent else None, "created_at": payment.created_at,
            "paid_at": payment.paid_at}


def _refuse(provider_name, detail, status, code):
    record_access(SYSTEM, "update", f"PaymentNotification/{provider_name}", None, outcome="denied", detail=detail)
    raise ApiError(status, code, detail)


def receive_notification(provider_name, headers, raw_body):
    """Handle one notification: 401 forged, 409 replayed (both audited); otherwise 200, whatever it says, once."""
    provider = providers.get(provider_name)
    try:
        event = provider.verify_notification(headers, raw_body)
    except InvalidSignature as exc:
        _refuse(provider_name, f"forged notification: {exc}", 401, "invalid_signature")
    max_age = timedelta(seconds=current_app.config["BILLING_NOTIFY_MAX_AGE_SECONDS"])
    if abs(clock.now() - event.sent_at) > max_age:
        _refuse(provider_name, f"replayed notification {event.notify_id} signed at {event.sent_at}",
                409, "replayed_notification")
    begin_write()
    first = insert_ignore(Notification, [{"provider": provider.name, "notify_id": event.notify_id,
                                          "provider_ref": event.provider_ref, "event": event.event,
                                          "outcome": "received", "received_at": clock.now()}],
                          ["provider", "notify_id"], returning=Notification.id)
    if not first:
        return "duplicate"
    outcome = _apply(provider, event)
    db.session.execute(update(Notification).where(Notification.id == first[0]).values(outcome=outcome))
    record_access(SYSTEM, "update", f"PaymentNotification/{provider.name}/{event.notify_id}", None,
                  detail={"event": event.event, "provider_ref": event.provider_ref, "outcome": outcome})
    return outcome


def _apply(provider, event):
    payment = db.session.scalar(select(Payment).where(Payment.provider == provider.name,
                                                      Payment.provider_ref == event.provider_ref))
    if payment is None:
        log.warning("notification %s for unknown payment %s", event.notify_id, event.provider_ref)
        return "unknown_payment"
    if event.event == "paid":
        if event.amount_fen != payment.amount_fen:
            log.error("payment %s: provider says %s fen paid, we asked %s", payment.id, event.amount_fen,
                      payment.amount_fen)
            return "amount_mismatch"
        return settle_success(payment, event.trade_no, event.at)
    if event.event == "closed":
        closed = db.session.execute(update(Payment).where(Payment.id == payment.id, Payment.status == "pending")
                                    .values(status="closed", updated_at=clock.now())).rowcount
        return "closed" if closed else f"ignored_{payment.status}"
    if event.event == "refunded":
        return "refund_confirmed"  # refunds are booked when the provider accepts them (billing.refunds)
    return "unknown_event"


def settle_success(payment, trade_no, paid_at):
    """The provider took the money: the payment succeeds and the charge is paid, once; late money for a charge
    that is no longer payable is refunded at once."""
    moved = db.session.execute(
        update(Payment).where(Payment.id == payment.id, Payment.status.in_(("pending", "closed")))
        .values(status="succeeded", trade_no=trade_no, paid_at=paid_at, updated_at=clock.now())
        .execution_options(synchronize_session=False)).rowcount
    if not moved:
        return "already_" + db.session.scalar(select(Payment.status).where(Payment.id == payment.id))
    db.session.refresh(payment)
    charge = db.session.get(Charge, payment.charge_id, populate_existing=True)
    paid = db.session.execute(update(Charge).where(Charge.id == charge.id, Charge.status == "pending").values(
        status="paid", paid_fen=payment.amount_fen, paid_at=paid_at).execution_options(synchronize_session=False))
    db.session.refresh(charge)
    if paid.rowcount == 0:  # paid twice, or after expiry: book it, then give it back
        db.session.execute(update(Charge).where(Charge.id == charge.id).values(
            paid_fen=Charge.paid_fen + payment.amount_fen).execution_options(synchronize_session=False))
        db.session.refresh(charge)
        ledger.post_payment(charge, payment)
        refunds.refund_payment(charge, payment, payment.amount_fen, "not_payable", f"charge was {charge.status}")
        return "refunded_late_payment"
    ledger.post_payment(charge, payment)
    fhir.write_views(charge.id)
    return "paid"


def repair_pending(older_than_seconds=None, limit=200):
    """Ask the provider about payments still pending after a while: a success we never heard of (a lost
    notification, a crash before our commit) is booked now; a closed trade closes the payment."""
    age = timedelta(seconds=older_than_seconds if older_than_seconds is not None
                    else current_app.config["BILLING_REPAIR_AFTER_SECONDS"])
    pending = db.session.scalars(select(Payment).where(Payment.status == "pending",
                                                       Payment.created_at <= clock.now() - age)
                                 .order_by(Payment.created_at).limit(limit)).all()
    repaired = 0
    for payment in pending:
        try:
            state = providers.get(payment.provider).query(payment.provider_ref)
        except ProviderUnavailable:
            log.warning("provider %s did not answer the query of payment %s", payment.provider, payment.id)
            continue
        if state.status == "paid" and state.amount_fen == payment.amount_fen:
            begin_write()
            if settle_success(payment, state.trade_no, state.paid_at) in ("paid", "refunded_late_payment"):
                repaired += 1
                record_access(SYSTEM, "update", f"Payment/{payment.id}", None, detail="repaired from provider query")
        elif state.status in ("closed", "unknown"):
            db.session.execute(update(Payment).where(Payment.id == payment.id, Payment.status == "pending")
                               .values(status="closed", updated_at=clock.now()))
    return repaired
