"""The plans' tables: the source of truth of the FHIR CarePlan views (`careplan-<id>`)."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id

PLAN_STATUSES = ("active", "completed", "revoked")
_ACTIVE = text("status = 'active'")


class CarePlan(db.Model):
    """One patient's enrolment in a template's follow-up plan (one active plan per patient and template)."""

    __tablename__ = "care_plans"
    __table_args__ = (
        Index("uq_care_plans_active_template", "patient_id", "template", unique=True,
              sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
        Index("ix_care_plans_doctor_status", "doctor_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(64), index=True)
    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id"))
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    template: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="active")
    started_on: Mapped[date] = mapped_column(Date)
    visit_every_days: Mapped[int] = mapped_column(Integer)
    thresholds: Mapped[str] = mapped_column(Text)  # JSON: the template's rules as enrolled (see templates.py)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CarePlanVisit(db.Model):
    """A proposed follow-up visit: its due date, the invitation sent, the last eligibility re-check."""

    __tablename__ = "care_plan_visits"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    plan_id: Mapped[str] = mapped_column(ForeignKey("care_plans.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mode: Mapped[str | None] = mapped_column(String(16))  # online | in_person, from the last re-check
    recheck_decision: Mapped[str | None] = mapped_column(String(30))
    recheck_reasons: Mapped[str | None] = mapped_column(Text)  # JSON list
    rechecked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
