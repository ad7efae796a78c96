"""Kernel tables: accounts, bearer tokens, login attempts and the audit trail."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id

# regulator: the supervision platform's account; reads the feed and traces, nothing else (core.auth).
ROLES = ("patient", "doctor", "pharmacist", "admin", "nurse", "regulator")


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    role: Mapped[str] = mapped_column(String(16), index=True)
    # Login name: the phone number for patients, a chosen name for staff.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    gender: Mapped[str | None] = mapped_column(String(8))
    birth_date: Mapped[date | None] = mapped_column(Date)
    # Links into the domains (plain ids, no cross-domain foreign keys).
    patient_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    practitioner_id: Mapped[str | None] = mapped_column(String(64), index=True)
    pharmacy_id: Mapped[str | None] = mapped_column(String(64), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class AccessToken(db.Model):
    """An opaque bearer token; only its SHA-256 digest is stored, so a database leak leaks no tokens."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # the revocation watch reads it


class LoginAttempt(db.Model):
    """Failed logins, counted per account and address, per address and per account in a sliding window
    (works across processes; core.ratelimit)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class KnownLoginAddress(db.Model):
    """An address an account logged in from successfully: never stopped by the account-wide throttle."""

    __tablename__ = "login_known_addresses"

    account: Mapped[str] = mapped_column(String(64), primary_key=True)  # core.ratelimit.account_key
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_success_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AuditEntry(db.Model):
    """Who accessed or changed which health data, when, from where, with what outcome."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_patient_at", "patient_ref", "at"),
        Index("ix_audit_entries_user_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    user_id: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))  # read | search | create | update | delete | ...
    entity: Mapped[str | None] = mapped_column(String(200))  # "Type/id" or a query description
    patient_ref: Mapped[str | None] = mapped_column(String(100))  # "Patient/id" the data belongs to
    outcome: Mapped[str] = mapped_column(String(16))  # success | denied | failed
    address: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)


# APScheduler's job store table, declared here so migrations own it (its create_all then finds it present).
apscheduler_jobs = db.Table(
    "apscheduler_jobs",
    db.Column("id", db.Unicode(191), primary_key=True),
    db.Column("next_run_time", db.Float(25), index=True),
    db.Column("job_state", db.LargeBinary, nullable=False),
)


class IdempotencyKey(db.Model):
    """The first response to a request carrying an Idempotency-Key, replayed for retries of it."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of method, path and body
    status_code: Mapped[int | None] = mapped_column(Integer)
    mimetype: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)


class PhoneCode(db.Model):
    """A one-time registration code sent to a phone: only its keyed digest is stored; a newer code for the
    same phone supersedes it (core.phone_codes)."""

    __tablename__ = "phone_codes"
    __table_args__ = (Index("ix_phone_codes_phone_created_at", "phone", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # consumed or superseded


class IdNumberClaim(db.Model):
    """A phone-verified account's claim to an identity number another account holds, for an admin to decide
    (core.id_claims)."""

    __tablename__ = "id_number_claims"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    claimant_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    holder_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending|approved|rejected
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
