"""Due work and its results: reminders, the notification inbox, the waitlist."""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id


class Reminder(db.Model):
    """A reminder due at `due_at`; the sweep claims it with a conditional update, so it fires once."""

    __tablename__ = "reminders"
    # No unique (appointment, kind): a reschedule cancels the pending rows and adds new ones.
    __table_args__ = (Index("ix_reminders_status_due_at", "status", "due_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # e.g. "24h", "1h"
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | cancelled
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notification(db.Model):
    """An entry in a user's notification inbox."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created_at", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[str | None] = mapped_column(Text)  # JSON
    is_read: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class WaitlistEntry(db.Model):
    """A patient waiting for a place with a doctor on a local day; a freed place is held for them."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        UniqueConstraint("patient_id", "doctor_id", "day"),
        CheckConstraint("status IN ('waiting', 'offered', 'booked', 'expired', 'cancelled')", name="status"),
        Index("ix_waitlist_entries_line", "doctor_id", "day", "status", "joined_at"),
        Index("ix_waitlist_entries_status_expires", "status", "offer_expires_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    offered_slot_id: Mapped[str | None] = mapped_column(ForeignKey("slots.id", ondelete="SET NULL"))
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointment_id: Mapped[str | None] = mapped_column(String(32))
