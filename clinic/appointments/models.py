"""Appointments and the rows that make booking race-free (per-patient day counters, queue-number
counters), and the due work around them: reminders and the waitlist."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id

APPOINTMENT_STATUSES = ("booked", "checked_in", "in_consultation", "fulfilled", "cancelled", "noshow", "referred")
CHANNELS = ("app", "web", "phone", "kiosk", "wechat")


class Appointment(db.Model):
    """A patient's booking of a slot, then their turn in the doctor's queue (FHIR Appointment is derived)."""

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("fee_fen >= 0", name="fee_not_negative"),
        Index("ix_appointments_patient_starts_at", "patient_id", "starts_at"),
        Index("ix_appointments_doctor_local_date", "doctor_id", "local_date"),
        Index("ix_appointments_status_starts_at", "status", "starts_at"),
        Index("ix_appointments_queue", "doctor_id", "local_date", "session", "status"),
        Index("ix_appointments_doctor_finished_at", "doctor_id", "finished_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)  # opaque public id
    patient_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32), index=True)  # the patient's account (Socket.IO room)
    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id"))
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    slot_id: Mapped[str] = mapped_column(ForeignKey("slots.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    # The ICD-10 code of the complaint (given, or read from the start of the reason): what the
    # follow-up rule and the consultation's diagnosis refer to.
    complaint_code: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="booked")
    fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    # Copied from the slot so overlap checks, day lists and queues need no join.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(Date)
    session: Mapped[str] = mapped_column(String(16))
    slot_minutes: Mapped[int] = mapped_column(Integer)
    queue_number: Mapped[int | None] = mapped_column(Integer)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # consultation started
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    slot = relationship("Slot", lazy="joined", viewonly=True)
    doctor = relationship("Doctor", lazy="joined", viewonly=True)
    institution = relationship("Institution", lazy="joined", viewonly=True)


class PatientBookingDay(db.Model):
    """Active appointments of a patient on a local day. Booking takes this row's lock with a conditional
    update (`active < limit`), which both caps bookings per day and serialises one patient's bookings,
    so the overlap check that follows cannot race."""

    __tablename__ = "patient_booking_days"
    __table_args__ = (CheckConstraint("active >= 0", name="active_not_negative"),)

    patient_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    active: Mapped[int] = mapped_column(Integer, default=0)


class QueueCounter(db.Model):
    """The last queue number handed out in a doctor's session (incremented under the row lock)."""

    __tablename__ = "queue_counters"

    doctor_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    session: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


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
    # The complaint the patient waits about (ICD-10): risk control judges an online place with it.
    complaint_code: Mapped[str | None] = mapped_column(String(10))
