"""The end of a payment record's retention (compliance decides when; billing says what it means).

Accounting archives (会计档案管理办法 2015, 第十四条 and its annex: ledgers, vouchers 30 years) count from the
first day after the accounting year closes (第十五条): a charge of year Y is past a 30-year period once 1 January
of Y+1, local time (BILLING_SETTLEMENT_TZ), is before the cutoff. At the end the books stay whole: amounts,
statuses, dates, payees, the charge items, payments' provider references and every ledger line are kept (the
ledger's balances and settlement are unchanged); what named or could reach the patient goes: the charge's
patient and user ids, its source (the booking or order it paid for), its free-text closing reason, the
payment's intent (QR / redirect data) and the refund's reason and requester. Only charges in a final state
are touched, never one of a patient in `skip_patients` (a legal hold)."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, func, literal, select, update

from billing.models import Charge, Notification, Payment, Refund
from core.extensions import db

ANONYMISED = "anonymised"
FINAL = ("paid", "refunded", "void", "expired")


def accounting_year_start(cutoff):
    """1 January (local) of the cutoff's accounting year, in UTC: charges before it have a closed year past it."""
    zone = ZoneInfo(current_app.config["BILLING_SETTLEMENT_TZ"])
    return datetime(cutoff.astimezone(zone).year, 1, 1, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def _due_charges(cutoff, skip_patients):
    return select(Charge.id).where(Charge.status.in_(FINAL), Charge.created_at < accounting_year_start(cutoff),
                                   Charge.patient_id != ANONYMISED,
                                   Charge.patient_id.not_in(sorted(skip_patients) or [""]))


def count_payment_records(cutoff, skip_patients=()):
    """How many charges are past `cutoff` and not yet anonymised (`skip_patients` () counts them all)."""
    return db.session.scalar(select(func.count()).select_from(_due_charges(cutoff, skip_patients).subquery()))


def anonymise_payment_records(cutoff, skip_patients, limit):
    """Anonymise up to `limit` charges past `cutoff` with their payments and refunds; how many charges."""
    ids = db.session.scalars(_due_charges(cutoff, skip_patients).order_by(Charge.id).limit(limit)).all()
    if ids:
        db.session.execute(update(Charge).where(Charge.id.in_(ids)).values(
            patient_id=ANONYMISED, user_id=None, source_ref=literal(f"{ANONYMISED}:") + Charge.id,
            closed_reason=None))
        db.session.execute(update(Payment).where(Payment.charge_id.in_(ids)).values(intent=None))
        db.session.execute(update(Refund).where(Refund.charge_id.in_(ids)).values(reason=None, requested_by=None))
        db.session.flush()
    return len(ids)


def _old_notifications(cutoff, skip_patients):
    held = (select(Payment.provider_ref).join(Charge, Charge.id == Payment.charge_id)
            .where(Charge.patient_id.in_(sorted(skip_patients) or [""])))
    return select(Notification.id).where(Notification.received_at < cutoff,
                                         Notification.provider_ref.is_(None) | Notification.provider_ref.not_in(held))


def count_provider_notifications(cutoff, skip_patients=()):
    """How many providers' notifications (webhook receipts, a log: the payment keeps the trade) are past `cutoff`."""
    return db.session.scalar(select(func.count()).select_from(_old_notifications(cutoff, skip_patients).subquery()))


def purge_provider_notifications(cutoff, skip_patients, limit):
    """Delete up to `limit` notifications past `cutoff` (not of a held patient's payments); how many."""
    ids = db.session.scalars(_old_notifications(cutoff, skip_patients).order_by(Notification.id).limit(limit)).all()
    if ids:
        db.session.execute(delete(Notification).where(Notification.id.in_(ids)))
    return len(ids)
