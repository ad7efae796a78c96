"""Weekly schedule templates, exceptions (leave, holidays) and the generated slots."""
from datetime import date, datetime, time

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id

KINDS = ("online", "in_person")
SLOT_STATUSES = ("open", "closed", "cancelled")  # closed: covered by an exception while booked (flagged)


class ScheduleTemplate(db.Model):
    """A doctor's weekly session at an institution, expanded into slots in the institution's time zone."""

    __tablename__ = "schedule_templates"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("slot_minutes > 0 AND capacity > 0", name="positive"),
        CheckConstraint("kind IN ('online', 'in_person')", name="kind"),
        Index("ix_schedule_templates_doctor_weekday", "doctor_id", "weekday"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id", ondelete="CASCADE"))
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # Monday = 0
    session: Mapped[str] = mapped_column(String(16))  # morning | afternoon | evening
    start_time: Mapped[time] = mapped_column(Time)  # local wall-clock time
    end_time: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ScheduleException(db.Model):
    """Leave for a doctor or a public holiday for an institution, over local dates [start_date, end_date]."""

    __tablename__ = "schedule_exceptions"
    __table_args__ = (
        CheckConstraint("(doctor_id IS NULL) <> (institution_id IS NULL)", name="one_subject"),
        CheckConstraint("end_date >= start_date", name="range"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    doctor_id: Mapped[str | None] = mapped_column(ForeignKey("doctors.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[str | None] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # leave | holiday
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Slot(db.Model):
    """A bookable time: `booked + held <= capacity` is enforced by the database, never by Python."""

    __tablename__ = "slots"
    __table_args__ = (
        # Regeneration inserts with ON CONFLICT DO NOTHING on this key, so it never duplicates.
        UniqueConstraint("doctor_id", "starts_at"),
        CheckConstraint("booked >= 0 AND held >= 0 AND booked + held <= capacity", name="capacity"),
        CheckConstraint("status IN ('open', 'closed', 'cancelled')", name="status"),
        Index("ix_slots_doctor_local_date", "doctor_id", "local_date"),
        Index("ix_slots_institution_starts_at", "institution_id", "starts_at"),
        Index("ix_slots_starts_at", "starts_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id", ondelete="CASCADE"))
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"))
    template_id: Mapped[str | None] = mapped_column(ForeignKey("schedule_templates.id", ondelete="SET NULL"),
                                                     index=True)
    kind: Mapped[str] = mapped_column(String(16))
    session: Mapped[str] = mapped_column(String(16))
    local_date: Mapped[date] = mapped_column(Date)  # the institution's local date of starts_at
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)  # places held for waitlist offers
    status: Mapped[str] = mapped_column(String(16), default="open")
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # booked but covered by an exception
    flag_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    doctor = relationship("Doctor", viewonly=True)
    institution = relationship("Institution", viewonly=True)

    @property
    def available(self):
        return self.status == "open" and self.booked + self.held < self.capacity
