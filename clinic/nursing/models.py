"""Home-nursing tables: the operational source of truth; a completed visit is written to the record as an
Encounter (class HH) `hh-<visit id>` with a Procedure `hhproc-<visit id>` and Observations `hhobs-<visit id>-<n>`."""
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id


class Nurse(db.Model):
    """A nurse account working for an institution."""

    __tablename__ = "nursing_nurses"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"), index=True)


class NursingOrder(db.Model):
    """A doctor's order of a home service for a patient; a request uses it once."""

    __tablename__ = "nursing_orders"
    __table_args__ = (Index("ix_nursing_orders_patient_service", "patient_id", "service"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(64))
    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id"))
    service: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    used_by: Mapped[str | None] = mapped_column(String(32), unique=True)  # the request that used it


class NursingRequest(db.Model):
    """A patient's request of a home service at an address within a time window."""

    __tablename__ = "nursing_requests"
    __table_args__ = (Index("ix_nursing_requests_patient_created", "patient_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(64))
    service: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    order_id: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="assigned")  # assigned | completed
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    distance_km: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class NursingVisit(db.Model):
    """The nurse's visit for a request: check-in and check-out with position, due out by `due_out_at`."""

    __tablename__ = "nursing_visits"
    __table_args__ = (Index("ix_nursing_visits_status_due", "status", "due_out_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ForeignKey("nursing_requests.id", ondelete="CASCADE"), unique=True)
    nurse_user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # scheduled | in_progress | completed
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_in_lat: Mapped[float | None] = mapped_column(Float)
    check_in_lon: Mapped[float | None] = mapped_column(Float)
    check_in_km: Mapped[float | None] = mapped_column(Float)  # how far from the address the nurse checked in
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_out_lat: Mapped[float | None] = mapped_column(Float)
    check_out_lon: Mapped[float | None] = mapped_column(Float)
    due_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
