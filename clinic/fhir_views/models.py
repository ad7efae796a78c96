"""The transactional outbox of the clinic's FHIR views (clinic.fhir_views.outbox)."""
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db
from core.types import UTCDateTime


class ViewOutbox(db.Model):
    """One FHIR view to rewrite from its clinic row: inserted in the transaction that changed the row,
    deleted in the transaction that wrote the view, so a committed change is never without its row here."""

    __tablename__ = "clinic_view_outbox"
    __table_args__ = (Index("ix_clinic_view_outbox_enqueued_at", "enqueued_at"),)

    # BIGINT on PostgreSQL; INTEGER on SQLite, whose only auto-incrementing key is INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # "slot" | "appointment"
    key: Mapped[str] = mapped_column(String(32))  # the row id
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed materialisations (a poison row shows here)
