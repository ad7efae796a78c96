"""Refunds: always of one charge, through its successful payment, never more than was paid.

A refund takes the charge's row lock (FOR UPDATE; SQLite's write lock) and then adds to `refunded_fen` with a
conditional update that keeps `refunded_fen + amount <= paid_fen` (also a check constraint), so concurrent
requests can never give back more than was paid. Who may ask: the patient when a rule of the charge's source
allows it (billing.rules: cancelled before the cut-off, referred offline, never started, an order nobody
took ...), an administrator with a reason; and the domains themselves when a source closes."""
from sqlalchemy import case, select, update

from billing import fhir, ledger, providers, rules
from billing.charges import charge_of, load_charge, void_unpaid
from billing.models import Charge, Payment, Refund
from billing.providers.base import ProviderUnavailable
from core import clock, reporting
from core.audit import record_access
from core.auth import SYSTEM
from core.dbutil import dialect_name
from core.errors import ApiError
from core.extensions import db
from core.transaction import begin_write
from core.types import new_id


def _locked_charge(charge_id):
    begin_write()
    stmt = select(Charge).where(Charge.id == charge_id).execution_options(populate_existing=True)
    if dialect_name() == "postgresql":
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt)


def _successful_payment(charge_id):
    return db.session.scalar(select(Payment).where(Payment.charge_id == charge_id, Payment.status == "succeeded"))


def request_refund(actor, charge_id, amount_fen=None, reason=None):
    """Refund (part of) a paid charge when a rule allows it (patients) or with a reason (admins)."""
    charge = load_charge(actor, charge_id, action="update")
    charge = _locked_charge(charge.id)
    remaining = charge.paid_fen - charge.refunded_fen
    if charge.paid_fen == 0 or remaining == 0:
        raise ApiError(409, "nothing_to_refund", "Nothing was paid on this charge, or all of it was refunded.",
                       paid_fen=charge.paid_fen, refunded_fen=charge.refunded_fen)
    allowed = rules.refund_rule(charge.source_ref)
    if allowed is None and not actor.is_admin:
        raise ApiError(409, "not_refundable", "No refund rule applies to this charge now (e.g. the appointment "
                       "still stands, or the order was filled).")
    if allowed is None and not (reason or "").strip():
        raise ApiError(422, "reason_required", "An administrator's refund outside the rules needs a reason.")
    rule = allowed["rule"] if allowed else "admin"
    limit = remaining if not allowed or allowed.get("refundable_fen") is None \
        else min(remaining, allowed["refundable_fen"] - charge.refunded_fen)
    amount = limit if amount_fen is None else amount_fen
    if amount <= 0 or amount > limit:
        raise ApiError(409, "exceeds_refundable", f"At most {max(limit, 0)} fen can be refunded now.",
                       refundable_fen=max(limit, 0))
    refund = refund_payment(charge, _successful_payment(charge.id), amount, rule, reason, actor)
    record_access(actor, "create", f"Refund/{refund.id}", f"Patient/{charge.patient_id}", detail={"rule": rule})
    return refund


def refund_payment(charge, payment, amount_fen, rule, reason=None, actor=SYSTEM):
    """Give back `amount_fen` of `payment` (the caller holds the charge's lock or runs in the notification's
    transaction); 409 when it would exceed what was paid or the provider refuses."""
    refunded_before = db.session.scalar(select(Charge.refunded_fen).where(Charge.id == charge.id))
    taken = db.session.execute(update(Charge).where(
        Charge.id == charge.id, Charge.refunded_fen + amount_fen <= Charge.paid_fen).values(
        refunded_fen=Charge.refunded_fen + amount_fen,
        status=case((Charge.refunded_fen + amount_fen == Charge.paid_fen, "refunded"), else_=Charge.status))
        .execution_options(synchronize_session=False)).rowcount
    if not taken:
        raise ApiError(409, "exceeds_refundable", "That would refund more than was paid.")
    refund = Refund(id=new_id(), charge_id=charge.id, payment_id=payment.id, amount_fen=amount_fen, rule=rule,
                    reason=(reason or "")[:500] or None, status="pending", requested_by=actor.user_id,
                    created_at=clock.now())
    db.session.add(refund)
    db.session.flush()
    try:
        accepted = providers.get(payment.provider).refund(payment.provider_ref, refund.id, amount_fen)
    except ProviderUnavailable:
        raise ApiError(503, "provider_unavailable", "The payment provider did not answer; nothing was refunded.",
                       headers={"Retry-After": "10"}) from None
    if not accepted:
        raise ApiError(409, "provider_refused", "The payment provider refused the refund.")
    refund.status, refund.succeeded_at = "succeeded", clock.now()
    ledger.post_refund(charge, payment, amount_fen, refunded_before)
    _report(charge, refund)
    db.session.refresh(charge)
    fhir.write_views(charge.id)
    return refund


def _report(charge, refund):
    """A refund the regulator follows (medicine: on its prescription's trace), in the refund's transaction."""
    reported = rules.supervision_of(charge.source_ref)
    if reported:
        kind, subject, trace_id, patient_ref = reported
        reporting.report(kind, subject, trace_id, patient_ref=patient_ref, payload={
            "refund": refund.id, "charge": charge.id, "source": charge.source_ref, "amount_fen": refund.amount_fen,
            "rule": refund.rule, "reason": refund.reason})


def close_source(source_ref, reason):
    """The booking or order behind a charge was cancelled or withdrawn: void what is unpaid, refund what was
    paid and not yet given back. Returns the refund, if any."""
    charge = charge_of(source_ref)
    if charge is None:
        return None
    charge = _locked_charge(charge.id)
    if charge.status == "pending":
        void_unpaid(charge, "void", reason)
        return None
    remaining = charge.paid_fen - charge.refunded_fen
    if remaining <= 0:
        return None
    refund = refund_payment(charge, _successful_payment(charge.id), remaining, "source_closed", reason)
    record_access(SYSTEM, "create", f"Refund/{refund.id}", f"Patient/{charge.patient_id}", detail=reason)
    return refund


def list_refunds(charge_id):
    """The refunds of a charge, oldest first."""
    return db.session.scalars(select(Refund).where(Refund.charge_id == charge_id).order_by(Refund.created_at)).all()


def view_refund(refund):
    """The API representation of a refund."""
    return {"id": refund.id, "charge_id": refund.charge_id, "payment_id": refund.payment_id,
            "amount_fen": refund.amount_fen, "rule": refund.rule, "reason": refund.reason, "status": refund.status,
            "created_at": refund.created_at, "succeeded_at": refund.succeeded_at}
