"""Consulting-room tables: rooms, consultations, their participants, chat messages and attachments.

These tables are the source of truth for the live consultation; the clinical outcome (Encounter,
note, Conditions, Observations, transcript as Communications, attachments as DocumentReferences)
is written to records when the consultation closes (clinic.consult.closeout). Appointments belong
to the clinic queue and are referenced by a plain `appointment_id` (see clinic.consult.queue_link).
"""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id

ROOM_STATUSES = ("closed", "open")
# invited -> active -> closed; invited -> expired (invite timeout). "refused": rows written before a refused
# start stopped storing the consultation (now only the decision is kept); the value stays for them.
CONSULTATION_STATUSES = ("invited", "active", "closed", "expired", "refused")
LIVE_STATUSES = ("invited", "active")
_LIVE = text("status IN ('invited', 'active')")


class ConsultRoom(db.Model):
    """A cloud consulting room; a doctor opens it for a session and sees one patient at a time in it."""

    __tablename__ = "consult_rooms"
    __table_args__ = (
        # A doctor holds at most one open room.
        Index("uq_consult_rooms_open_doctor", "doctor_user_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # e.g. "ningbo-hypertension"
    name: Mapped[str] = mapped_column(String(200))
    clinic: Mapped[str] = mapped_column(String(64))  # hypertension | diabetes | psychology | general_medicine | ...
    institution_id: Mapped[str | None] = mapped_column(String(64), index=True)  # None: the platform's own
    organization_id: Mapped[str | None] = mapped_column(String(64))  # FHIR Organization (Encounter.serviceProvider)
    status: Mapped[str] = mapped_column(String(16), default="closed")
    doctor_user_id: Mapped[str | None] = mapped_column(String(32))
    practitioner_id: Mapped[str | None] = mapped_column(String(64))
    # Claimed with a conditional update (IS NULL -> id); the partial unique index on consultations backs it.
    current_consultation_id: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class Consultation(db.Model):
    """One online consultation of a patient with a doctor in a room."""

    __tablename__ = "consultations"
    __table_args__ = (
        # One live consultation per room and per appointment, whatever the application code does.
        Index("uq_consultations_live_room", "room_id", unique=True, sqlite_where=_LIVE, postgresql_where=_LIVE),
        Index("uq_consultations_live_appointment", "appointment_id", unique=True,
              sqlite_where=_LIVE, postgresql_where=_LIVE),
        Index("ix_consultations_status_activity", "status", "last_activity_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    room_id: Mapped[str] = mapped_column(ForeignKey("consult_rooms.id"))
    appointment_id: Mapped[str | None] = mapped_column(String(32))
    patient_id: Mapped[str] = mapped_column(String(64), index=True)
    patient_user_id: Mapped[str] = mapped_column(String(32))
    practitioner_id: Mapped[str | None] = mapped_column(String(64), index=True)
    doctor_user_id: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default="invited")
    complaint_code: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)  # the message counter, bumped under the row lock
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))  # doctor | idle | invite_timeout | refused
    risk_decision_id: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[dict | None] = mapped_column(JSON)  # refusal reasons, referral, FHIR ids written at close
    encounter_id: Mapped[str | None] = mapped_column(String(64))


class ConsultParticipant(db.Model):
    """Who may join a consultation (patient, doctor, registered guardians) and whether they have joined."""

    __tablename__ = "consult_participants"

    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16))  # patient | doctor | guardian
    first_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsultMessage(db.Model):
    """A chat message; `seq` orders a consultation's messages, the sender's `client_id` makes retries safe."""

    __tablename__ = "consult_messages"
    __table_args__ = (
        UniqueConstraint("consultation_id", "seq"),
        UniqueConstraint("consultation_id", "sender_user_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    client_id: Mapped[str] = mapped_column(String(64))
    sender_user_id: Mapped[str] = mapped_column(String(32))
    sender_role: Mapped[str] = mapped_column(String(16))  # patient | doctor | guardian
    text: Mapped[str | None] = mapped_column(Text)
    attachment_id: Mapped[str | None] = mapped_column(ForeignKey("consult_attachments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ConsultAttachment(db.Model):
    """An uploaded image or PDF, kept in the database (every process sees it) with its SHA-256."""

    __tablename__ = "consult_attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    uploader_user_id: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(64))  # sniffed from the content, never from the client
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
