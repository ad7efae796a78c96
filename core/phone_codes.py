"""One-time codes that prove a person holds a phone: six digits, sent by text message, valid for
PHONE_CODE_TTL_SECONDS (10 min), PHONE_CODE_MAX_ATTEMPTS (5) tries, one use; a new code supersedes the
phone's previous one. Only an HMAC of (phone, code) keyed with SECRET_KEY is stored, so a database leak
gives no usable code, and codes are compared in constant time. A code serves one purpose (registration or a
password reset), bound into its HMAC.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete

from core import clock
from core.dbutil import conditional_update, conditional_update_returning
from core.errors import ApiError
from core.extensions import db
from core.models import PhoneCode
from core.transaction import begin_write

CODE_DIGITS = 6
REGISTER, RESET_PASSWORD = "register", "reset_password"


def _digest(phone, code, purpose=REGISTER):
    # The purpose is in the MAC, so a password-reset code cannot register a phone, nor the reverse.
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{phone}:{code}" if purpose == REGISTER else f"{phone}:{purpose}:{code}"
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def invalid_code():
    return ApiError(422, "invalid_code", "The code is wrong, has expired or was already used; ask for a new one.",
                    title="Invalid code", errors=[{"field": "code", "message": "wrong, expired or already used"}])


def issue(phone, purpose=REGISTER):
    """Store a new code for `phone` (superseding any live one) and return it, to be sent."""
    now = clock.now()
    conditional_update(PhoneCode, [PhoneCode.phone == phone, PhoneCode.used_at.is_(None)], {"used_at": now})
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    ttl = timedelta(seconds=current_app.config["PHONE_CODE_TTL_SECONDS"])
    db.session.add(PhoneCode(phone=phone, code_hash=_digest(phone, code, purpose), created_at=now,
                             expires_at=now + ttl))
    db.session.flush()
    return code


def consume(phone, code, purpose=REGISTER):
    """Use up `phone`'s live code if `code` is it; else 422 `invalid_code` (the same for a wrong, expired,
    used, exhausted or never-sent code). Every try counts against the code and is committed at once, before
    the comparison: a wrong guess is not undone with its 422, and parallel guesses cannot exceed the limit.
    So this commits the request's work so far; call it before writing anything else."""
    begin_write()
    now, limit = clock.now(), current_app.config["PHONE_CODE_MAX_ATTEMPTS"]
    live = conditional_update_returning(
        PhoneCode, [PhoneCode.phone == phone, PhoneCode.used_at.is_(None), PhoneCode.expires_at > now,
                    PhoneCode.attempts < limit], {"attempts": PhoneCode.attempts + 1}, PhoneCode.id, PhoneCode.code_hash)
    db.session.commit()
    offered = _digest(phone, (code or "").strip(), purpose)
    if not hmac.compare_digest(live.code_hash if live else "-" * len(offered), offered):
        raise invalid_code()
    begin_write()
    # Single use: of two requests with the same right code, one changes the row, the other gets the 422.
    if not conditional_update(PhoneCode, [PhoneCode.id == live.id, PhoneCode.used_at.is_(None)], {"used_at": now}):
        raise invalid_code()


def purge_expired():
    """Delete codes past their expiry (the scheduler runs it); return how many went."""
    return db.session.execute(delete(PhoneCode).where(PhoneCode.expires_at <= clock.now())).rowcount
