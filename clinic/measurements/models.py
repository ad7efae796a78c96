"""Home measurements: the source of truth of their FHIR Observation views (`meas-<id>`), and the alerts."""
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id


class Measurement(db.Model):
    """One home reading, in the kind's canonical unit (blood pressure: value systolic, value2 diastolic)."""

    __tablename__ = "measurements"
    __table_args__ = (Index("ix_measurements_patient_code_at", "patient_id", "code", "measured_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(20))  # a kind of clinic.measurements.kinds.KINDS
    value: Mapped[float] = mapped_column(Float)
    value2: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(20))
    device: Mapped[str | None] = mapped_column(String(200))
    entered_by: Mapped[str | None] = mapped_column(String(32))  # the account that posted it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class MeasurementAlert(db.Model):
    """A reading outside a plan's thresholds: the rule that fired, open until the care team closes it."""

    __tablename__ = "measurement_alerts"
    __table_args__ = (Index("ix_measurement_alerts_plan_status", "plan_id", "status"),
                      Index("ix_measurement_alerts_patient_at", "patient_id", "created_at"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    plan_id: Mapped[str] = mapped_column(ForeignKey("care_plans.id", ondelete="CASCADE"))
    patient_id: Mapped[str] = mapped_column(String(64))
    measurement_id: Mapped[str] = mapped_column(ForeignKey("measurements.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[str] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))
