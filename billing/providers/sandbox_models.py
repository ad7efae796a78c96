"""The sandbox provider's own books (what a real provider keeps on its side): trades and the events of each
(payments, refunds), which are also its notifications to deliver and its daily statement."""
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.types import UTCDateTime


class SandboxTrade(db.Model):
    """A trade opened by a payment intent: open -> paid | closed; refunds counted against what was paid."""

    __tablename__ = "billing_sandbox_trades"

    provider_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    trade_no: Mapped[str] = mapped_column(String(64), unique=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="open")
    refunded_fen: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SandboxEvent(db.Model):
    """Something that happened to a trade (paid, closed, refunded): a statement line (payments and refunds)
    and a notification to send from `due_at` on, `copies` times (duplicates are what providers do)."""

    __tablename__ = "billing_sandbox_events"
    __table_args__ = (Index("ix_billing_sandbox_events_due", "sent", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notify_id: Mapped[str] = mapped_column(String(64), unique=True)
    provider_ref: Mapped[str] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(20))  # paid | closed | refunded
    amount_fen: Mapped[int] = mapped_column(Integer)
    refund_ref: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: never notified (a lost callback)
    copies: Mapped[int] = mapped_column(Integer, default=1)
    sent: Mapped[int] = mapped_column(Integer, default=0)  # 0 pending, 1 delivered
    body: Mapped[str | None] = mapped_column(Text)
