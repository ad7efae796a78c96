"""Billing's tables: fee schedules (versioned), charges and their items, payments, provider notifications,
refunds and the ledger. Charges are the source of truth for what a patient owes; the ledger records every
movement of money as a journal whose lines sum to zero."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id

SERVICES = ("registration", "consultation", "medicine", "delivery")
CHARGE_STATUSES = ("pending", "paid", "refunded", "void", "expired")
PAYMENT_STATUSES = ("pending", "succeeded", "failed", "closed")


class Fee(db.Model):
    """One price of a payee's service from `effective_from` on: a new price is a new row (history kept).
    `payee_id` is an institution or a pharmacy id, or "*" for the platform's default; `code` narrows the
    service (a doctor's title for consultations, a medication code for medicine), "" meaning any."""

    __tablename__ = "billing_fees"
    __table_args__ = (
        UniqueConstraint("payee_id", "service", "code", "effective_from"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payee_id: Mapped[str] = mapped_column(String(64))
    service: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(64), default="")
    amount_fen: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Charge(db.Model):
    """What a patient owes for one thing (`source_ref`: "Appointment/<id>", "PharmacyOrder/<id>"), to one payee.
    `refunded_fen <= paid_fen` is a constraint: no refund race can give back more than was paid."""

    __tablename__ = "billing_charges"
    __table_args__ = (
        UniqueConstraint("source_ref"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
        CheckConstraint("paid_fen >= 0 AND refunded_fen >= 0 AND refunded_fen <= paid_fen", name="refund_within_paid"),
        CheckConstraint("status IN ('pending', 'paid', 'refunded', 'void', 'expired')", name="status_known"),
        Index("ix_billing_charges_patient_created", "patient_id", "created_at"),
        Index("ix_billing_charges_status_due", "status", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(32))
    source_ref: Mapped[str] = mapped_column(String(100))
    payee_kind: Mapped[str] = mapped_column(String(20))  # institution | pharmacy
    payee_id: Mapped[str | None] = mapped_column(String(64))  # None until a pharmacy takes the order
    amount_fen: Mapped[int] = mapped_column(Integer)
    paid_fen: Mapped[int] = mapped_column(Integer, default=0)
    refunded_fen: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # unpaid after this: expired (when required)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(String(200))


class ChargeItem(db.Model):
    """One line of a charge: a service, what it is, how many, at what unit price (fen)."""

    __tablename__ = "billing_charge_items"
    __table_args__ = (
        UniqueConstraint("charge_id", "position"),
        CheckConstraint("quantity > 0 AND unit_fen >= 0", name="quantity_and_price"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    charge_id: Mapped[str] = mapped_column(ForeignKey("billing_charges.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_fen: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)


class Payment(db.Model):
    """One attempt to pay a charge through a provider (`provider_ref` is our out-trade-no there). Should two
    attempts both take money, the charge is paid by the first and the second is refunded at once."""

    __tablename__ = "billing_payments"
    __table_args__ = (
        UniqueConstraint("provider", "provider_ref"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'closed')", name="status_known"),
        Index("ix_billing_payments_status_created", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    charge_id: Mapped[str] = mapped_column(ForeignKey("billing_charges.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    provider_ref: Mapped[str] = mapped_column(String(64))
    trade_no: Mapped[str | None] = mapped_column(String(64))  # the provider's own transaction id
    amount_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    intent: Mapped[str | None] = mapped_column(Text)  # the provider's QR / redirect data (JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Notification(db.Model):
    """A provider notification we accepted (signature checked): its id is unique, so a duplicate does nothing."""

    __tablename__ = "billing_notifications"
    __table_args__ = (UniqueConstraint("provider", "notify_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    notify_id: Mapped[str] = mapped_column(String(64))
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Refund(db.Model):
    """Money given back on a charge (through its successful payment), with the rule that allowed it."""

    __tablename__ = "billing_refunds"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status_known"),
        Index("ix_billing_refunds_status_created", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    charge_id: Mapped[str] = mapped_column(ForeignKey("billing_charges.id"), index=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("billing_payments.id"))
    amount_fen: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    requested_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LedgerLine(db.Model):
    """One line of a journal: debit positive, credit negative; a journal's lines sum to zero."""

    __tablename__ = "billing_ledger"
    __table_args__ = (Index("ix_billing_ledger_posted_account", "posted_at", "account"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    journal_id: Mapped[str] = mapped_column(String(32), index=True)
    account: Mapped[str] = mapped_column(String(100))
    amount_fen: Mapped[int] = mapped_column(Integer)
    charge_id: Mapped[str | None] = mapped_column(String(32), index=True)
    memo: Mapped[str] = mapped_column(String(100))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
