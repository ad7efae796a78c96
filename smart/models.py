"""SMART's tables: registered clients, authorization codes, issued tokens and the client-assertion ids seen.

Secrets, codes and tokens are stored as SHA-256 digests only, so a database leak leaks nothing usable."""
import json
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id

AUTH_METHODS = ("none", "client_secret_basic", "client_secret_post", "private_key_jwt")


class SmartClient(db.Model):
    """A registered app: public (PKCE, no secret), confidential (a secret) or backend (a JWKS)."""

    __tablename__ = "smart_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    auth_method: Mapped[str] = mapped_column(String(32))  # one of AUTH_METHODS
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    jwks: Mapped[str | None] = mapped_column(Text)  # JSON {"keys": [...]}: public keys of private_key_jwt
    redirect_uris: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    scope: Mapped[str] = mapped_column(Text)  # the most the client may ever ask for
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    @property
    def redirect_uri_list(self):
        return json.loads(self.redirect_uris or "[]")


class SmartAuthorizationCode(db.Model):
    """A one-time code from the consent page, bound to its client, redirect URI and PKCE challenge."""

    __tablename__ = "smart_authorization_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("smart_clients.client_id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str | None] = mapped_column(String(200))
    code_challenge: Mapped[str | None] = mapped_column(String(200))
    code_challenge_method: Mapped[str | None] = mapped_column(String(16))
    patient_id: Mapped[str | None] = mapped_column(String(64))
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SmartToken(db.Model):
    """One issue of an access token (and its refresh token): who, which client, which scopes and patient."""

    __tablename__ = "smart_tokens"
    __table_args__ = (Index("ix_smart_tokens_user_client", "user_id", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("smart_clients.client_id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # None: a backend
    scope: Mapped[str] = mapped_column(Text)
    patient_id: Mapped[str | None] = mapped_column(String(64))
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SmartAssertionId(db.Model):
    """A client assertion's jti, kept until the assertion expires: the unique key refuses a replay."""

    __tablename__ = "smart_assertion_ids"
    __table_args__ = (UniqueConstraint("client_id", "jti"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    jti: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class BulkExport(db.Model):
    """A Bulk Data export job: what was asked, by whom, and how far it got (so a restart resumes it)."""

    __tablename__ = "smart_bulk_exports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued running completed failed cancelled expired
    level: Mapped[str] = mapped_column(String(16))  # system | patient | group
    group_id: Mapped[str | None] = mapped_column(String(64))
    patient_ids: Mapped[str | None] = mapped_column(Text)  # JSON list (a Group's members); None: every patient
    types: Mapped[str] = mapped_column(Text)  # JSON list of resource types, in export order
    type_filters: Mapped[str] = mapped_column(Text, default="{}")  # JSON {type: [[name, value], ...] per filter}
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    request_url: Mapped[str] = mapped_column(Text)
    # Who asked: a first-party user, a user through a SMART app, or a backend client (user_id None).
    user_id: Mapped[str | None] = mapped_column(String(32))
    client_id: Mapped[str | None] = mapped_column(String(64))
    scope: Mapped[str | None] = mapped_column(Text)  # the SMART token's scope; None for a first-party token
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a runner holds the job until then
    position: Mapped[str] = mapped_column(Text, default="{}")  # JSON: type, filter, cursor, file offset
    output: Mapped[str] = mapped_column(Text, default="[]")  # JSON [{type, file, count}]
    written: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
