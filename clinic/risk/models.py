"""Risk-control tables: rule-set versions, the decision log, protocol versions and consents.

Consents: this table is the source of truth (signing, revoking and expiry are workflow); the
patient's FHIR Consent resource is derived from it and rewritten on every change.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id


class RuleSetVersion(db.Model):
    """A published rule set; the newest row is the active one, every version is kept."""

    __tablename__ = "risk_rulesets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    data: Mapped[str] = mapped_column(Text)  # the rule set as JSON
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    published_by: Mapped[str | None] = mapped_column(String(32))


class RiskDecisionLog(db.Model):
    """One evaluation: who asked, for whom, at which checkpoint, with which facts, and what came out."""

    __tablename__ = "risk_decisions"
    __table_args__ = (Index("ix_risk_decisions_patient_at", "patient_id", "at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    patient_id: Mapped[str] = mapped_column(String(64))
    actor_user_id: Mapped[str | None] = mapped_column(String(32))
    actor_role: Mapped[str] = mapped_column(String(16))
    checkpoint: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(String(32))
    ruleset_version: Mapped[str] = mapped_column(String(40))
    reasons: Mapped[str] = mapped_column(Text)  # JSON list
    next_steps: Mapped[str] = mapped_column(Text)  # JSON list
    facts: Mapped[str] = mapped_column(Text)  # JSON: the facts the rules read
    context: Mapped[str | None] = mapped_column(String(200))  # e.g. "slot:12", "Appointment/ab12"


class ProtocolVersion(db.Model):
    """A version of the online-treatment protocol text patients sign; the newest is current."""

    __tablename__ = "risk_protocol_versions"

    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    text_en: Mapped[str] = mapped_column(Text)
    text_zh: Mapped[str] = mapped_column(Text)
    validity_days: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class OnlineTreatmentConsent(db.Model):
    """A patient's signature of a protocol version, with the physician or family-doctor team."""

    __tablename__ = "risk_consents"
    __table_args__ = (Index("ix_risk_consents_patient_signed", "patient_id", "signed_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(64))
    protocol_version: Mapped[str] = mapped_column(ForeignKey("risk_protocol_versions.version"))
    practitioner_id: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


GUARDIAN_LIVE = text("status IN ('pending', 'active')")


class PatientGuardian(db.Model):
    """A guardian registered for a patient: the patient's account (or an admin who verified it in person)
    names the guardian's account, the guardian accepts; an active guardian is invited to the patient's
    consultations and counts as the guardian the risk rules ask for. Revoked rows are kept (history)."""

    __tablename__ = "patient_guardians"
    __table_args__ = (
        Index("uq_patient_guardians_live", "patient_id", "guardian_user_id", unique=True,
              sqlite_where=GUARDIAN_LIVE, postgresql_where=GUARDIAN_LIVE),
        Index("ix_patient_guardians_guardian", "guardian_user_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(64), index=True)  # FHIR Patient id
    guardian_user_id: Mapped[str] = mapped_column(String(32))
    relationship: Mapped[str] = mapped_column(String(8))  # HL7 v3 RoleCode: MTH, FTH, PRN, GRD, ...
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | active | revoked
    requested_by_user_id: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_user_id: Mapped[str | None] = mapped_column(String(32))
