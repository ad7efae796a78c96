"""Compliance tables: the supervision feed (an outbox), push endpoints and their deliveries, legal holds."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id


class FeedEntry(db.Model):
    """One reportable event, written in the transaction of its change. `id` is the feed position: entries are
    inserted one transaction at a time (compliance.feed), so positions appear in commit order and a cursor
    never skips an entry committed later with a smaller position."""

    __tablename__ = "supervision_feed"
    __table_args__ = (UniqueConstraint("trace_id", "trace_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trace_id: Mapped[str] = mapped_column(String(80))
    trace_seq: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the trace
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(100))  # "Type/id" the event is about
    patient_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    actor_user_id: Mapped[str | None] = mapped_column(String(32))
    actor_role: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    payload: Mapped[str] = mapped_column(Text)  # JSON


class PushEndpoint(db.Model):
    """A receiver the feed is pushed to, signed with its own secret (stored sealed, never returned)."""

    __tablename__ = "supervision_endpoints"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(String(200))
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    enqueued_through: Mapped[int] = mapped_column(Integer, default=0)  # last feed position given a delivery row
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Delivery(db.Model):
    """One feed entry owed to one endpoint: pending -> delivered, or dead after too many failed tries."""

    __tablename__ = "supervision_deliveries"
    __table_args__ = (Index("ix_supervision_deliveries_endpoint_status_entry", "endpoint_id", "status", "entry_id"),)

    endpoint_id: Mapped[str] = mapped_column(ForeignKey("supervision_endpoints.id", ondelete="CASCADE"),
                                             primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("supervision_feed.id", ondelete="CASCADE"), primary_key=True)
    trace_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LegalHold(db.Model):
    """Data under investigation: nothing of the held patient, consultation or prescription chain is deleted."""

    __tablename__ = "legal_holds"
    __table_args__ = (Index("ix_legal_holds_target_lifted", "target_type", "target_id", "lifted_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    target_type: Mapped[str] = mapped_column(String(20))  # Patient | Consultation | Prescription
    target_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str | None] = mapped_column(String(32))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    lifted_by: Mapped[str | None] = mapped_column(String(32))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lift_reason: Mapped[str | None] = mapped_column(Text)


class RetentionRule(db.Model):
    """How long one kind of record is kept (compliance.retention.KINDS): `period_days` after its basis date, never
    less than `minimum_days` (the legal minimum, which a patient's erasure request cannot shorten either)."""

    __tablename__ = "retention_rules"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    period_days: Mapped[int] = mapped_column(Integer)
    minimum_days: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class RetentionRun(db.Model):
    """One pass of the retention job (a dry run changes nothing), with its report per kind."""

    __tablename__ = "retention_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    dry_run: Mapped[bool] = mapped_column(Boolean)
    started_by: Mapped[str | None] = mapped_column(String(32))  # None: the nightly job
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report: Mapped[str | None] = mapped_column(Text)  # JSON {kind: {cutoff, eligible, removed, held}}


class ErasureRequest(db.Model):
    """A patient's request to erase their data: honoured by the retention runs as far as the legal minimums allow."""

    __tablename__ = "erasure_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(64), index=True)
    requested_by: Mapped[str | None] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | honoured
    note: Mapped[str | None] = mapped_column(Text)  # what the last run erased and what waits for its minimum
    honoured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
