"""Inspection tables: offers and daily capacity, orders (source of the ServiceRequest view `sr-<id>`) and
results (source of the DiagnosticReport `dr-<id>` and its Observations `insp-<id>-<n>`)."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id

ORDER_STATUSES = ("ordered", "booked", "reported", "cancelled")


class InspectionOffer(db.Model):
    """An institution offers a test, so many a day."""

    __tablename__ = "inspection_offers"
    __table_args__ = (UniqueConstraint("institution_id", "test_code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"))
    test_code: Mapped[str] = mapped_column(String(40), index=True)
    daily_capacity: Mapped[int] = mapped_column(Integer)


class InspectionDay(db.Model):
    """Places taken of one offer on one local day (a conditional upsert keeps it below the capacity)."""

    __tablename__ = "inspection_days"
    __table_args__ = (UniqueConstraint("institution_id", "test_code", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_id: Mapped[str] = mapped_column(String(32))
    test_code: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    taken: Mapped[int] = mapped_column(Integer, default=0)


class InspectionOrder(db.Model):
    """A doctor's order of a test for a patient, its booking and its report."""

    __tablename__ = "inspection_orders"
    __table_args__ = (Index("ix_inspection_orders_patient_created", "patient_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(64))
    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id"), index=True)
    test_code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="ordered")
    institution_id: Mapped[str | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    booked_on: Mapped[date | None] = mapped_column(Date)
    conclusion: Mapped[str | None] = mapped_column(Text)
    abnormal: Mapped[bool | None] = mapped_column(Boolean)
    reported_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InspectionResult(db.Model):
    """One measured value of a report, with its reference range and flag."""

    __tablename__ = "inspection_results"
    __table_args__ = (UniqueConstraint("order_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("inspection_orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    display: Mapped[str] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    flag: Mapped[str] = mapped_column(String(2))
