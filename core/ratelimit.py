"""Login throttling: failed attempts per account and per address in a sliding window, stored in the
database so every server process sees the same counts."""
import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from core import clock
from core.errors import ApiError
from core.extensions import db
from core.models import LoginAttempt
from core.transaction import keep_on_error


def _keys(username, address):
    return [(f"acct:{(username or '').lower()[:150]}", current_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
            (f"addr:{address or 'unknown'}", current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"])]


def check_login_allowed(username, address):
    """Raise 429 (with Retry-After) when the account or the address has too many recent failures."""
    window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    now = clock.now()
    for key, limit in _keys(username, address):
        count, oldest = db.session.execute(
            select(func.count(), func.min(LoginAttempt.at))
            .where(LoginAttempt.key == key, LoginAttempt.at > now - window)
        ).one()
        if count >= limit:
            retry_after = max(1, math.ceil((oldest + window - now).total_seconds()))
            raise ApiError(429, "too_many_attempts", "Too many failed login attempts; try again later.",
                           headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


def record_login_failure(username, address):
    """Count a failed login against the account and the address (kept although the request fails)."""
    for key, _ in _keys(username, address):
        keep_on_error(LoginAttempt, key=key, at=clock.now())


def clear_account_failures(username):
    """A successful login resets the account's count (the address count stays)."""
    key = _keys(username, None)[0][0]
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))


def purge_old_attempts():
    """Delete attempts older than the window (run by the scheduler)."""
    cutoff = clock.now() - timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    return db.session.execute(delete(LoginAttempt).where(LoginAttempt.at <= cutoff)).rowcount
