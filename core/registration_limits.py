"""Rate limits of registration: code requests per phone and per client address, registration attempts per
address. Stored like the login throttle's (core.ratelimit): one `login_attempts` row per counted event,
shared by every server process, counted in a sliding window (REGISTRATION_LIMIT_WINDOW_SECONDS, 1 h).

The keys are built from what the client sent and its address only, never from whether an account exists,
so a refusal says nothing about anyone's registration. A refused request is not counted (a flood does not
keep the window open). Counting and checking run under a lock per key (core.transaction.serialise_on):
parallel requests cannot all pass a check that only one of them may pass.
"""
import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select

from core import clock
from core.errors import ApiError
from core.extensions import db
from core.models import LoginAttempt
from core.transaction import keep_on_error, serialise_on


def _counted(key, since):
    """(count, first, last) of the events under `key` after `since`."""
    return db.session.execute(select(func.count(), func.min(LoginAttempt.at), func.max(LoginAttempt.at))
                              .where(LoginAttempt.key == key, LoginAttempt.at > since)).one()


def _refuse(seconds, detail):
    retry_after = max(1, math.ceil(seconds))
    raise ApiError(429, "too_many_requests", detail, title="Too many requests",
                   headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


def _window():
    return timedelta(seconds=current_app.config["REGISTRATION_LIMIT_WINDOW_SECONDS"])


def _check_quota(key, limit, detail):
    """Refuse when `key` has `limit` events in the window; else count this one (kept if the request fails:
    a code that was sent counts even when the client's request ends in an error)."""
    now, window = clock.now(), _window()
    count, first, _ = _counted(key, now - window)
    if count >= limit:
        _refuse((first + window - now).total_seconds(), detail)
    keep_on_error(LoginAttempt, key=key[:200], at=now)


def allow_code_request(phone, address):
    """429 with Retry-After when `phone` had a code less than PHONE_CODE_RESEND_SECONDS ago or
    PHONE_CODES_PER_PHONE in the window, or `address` asked PHONE_CODES_PER_ADDRESS times; else count it."""
    config, address = current_app.config, address or "unknown"
    serialise_on(f"phone-code:{phone}")  # always phone, then address: no two requests wait on each other in a ring
    serialise_on(f"phone-code-address:{address}")
    now = clock.now()
    _, _, last = _counted(f"code-phone:{phone}", now - _window())
    resend = config["PHONE_CODE_RESEND_SECONDS"]
    if last is not None and (now - last).total_seconds() < resend:
        _refuse(resend - (now - last).total_seconds(), "A code was sent to this number moments ago; wait before "
                                                       "asking again.")
    detail = "Too many codes were asked for; try again later."
    # Both checked before either is counted: a refusal by the address must not use up the phone's quota.
    count, first, _ = _counted(f"code-address:{address}", now - _window())
    if count >= config["PHONE_CODES_PER_ADDRESS"]:
        _refuse((first + _window() - now).total_seconds(), detail)
    _check_quota(f"code-phone:{phone}", config["PHONE_CODES_PER_PHONE"], detail)
    keep_on_error(LoginAttempt, key=f"code-address:{address}"[:200], at=now)


def allow_registration_attempt(address):
    """429 with Retry-After when `address` tried to register REGISTRATIONS_PER_ADDRESS times in the window
    (every attempt counts, right code or wrong); else count it."""
    address = address or "unknown"
    serialise_on(f"register-address:{address}")
    _check_quota(f"register-address:{address}", current_app.config["REGISTRATIONS_PER_ADDRESS"],
                 "Too many registration attempts from this address; try again later.")


KEY_PREFIXES = ("code-phone:", "code-address:", "register-address:")  # the keys this module counts under


def purge_old_counts():
    """Delete counts older than the window (the scheduler runs it); return how many went."""
    mine = or_(*(LoginAttempt.key.startswith(prefix) for prefix in KEY_PREFIXES))
    return db.session.execute(delete(LoginAttempt).where(mine, LoginAttempt.at <= clock.now() - _window())).rowcount
