"""Login throttling that slows guessing without letting anyone lock another person out.

Failed logins are rows of `login_attempts` (shared by every server process), counted in a sliding window
(LOGIN_FAILURE_WINDOW_SECONDS, 15 min) under three keys:
- the account *and* the address (`pair:`): LOGIN_MAX_FAILURES_PER_ACCOUNT (5) failures are free, then each
  further attempt from that address waits twice as long as the one before (LOGIN_BACKOFF_SECONDS, 30 s,
  then 60 s, 120 s ... at most the window), right password or not. Someone guessing from their own
  address slows only themselves; the account's owner elsewhere is not affected.
- the address (`addr:`): LOGIN_MAX_FAILURES_PER_ADDRESS (30) failures across accounts stop that address
  for the rest of the window (one address trying many accounts).
- the account from every address (`acct:`): LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_ADDRESSES (50) failures
  (a guess spread over many addresses) stop the account's logins for the rest of the window, *except*
  from addresses the account logged in from successfully in the last LOGIN_KNOWN_ADDRESS_DAYS (90):
  its owner keeps getting in from home or work while the attack goes on.
A 429 answer carries Retry-After. A success clears its pair's count and remembers the address as known.
"""
import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from core import clock
from core.errors import ApiError
from core.extensions import db
from core.identity import IdentityError, normalise_phone
from core.models import KnownLoginAddress, LoginAttempt
from core.transaction import keep_on_error

# The keys of login failures; the table also holds the registration limits' counts (core.registration_limits),
# which keep their own, longer window and purge.
LOGIN_KEY_PREFIXES = ("pair:", "addr:", "acct:")


def account_key(username):
    """One key per account however its name is typed (a phone with +86 or spaces is the same account)."""
    name = (username or "").strip().lower()[:64]
    try:
        return normalise_phone(name)
    except IdentityError:
        return name


def _window():
    return timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])


def _failures(key, since):
    """(count, first, last) of the failures under `key` after `since`."""
    return db.session.execute(select(func.count(), func.min(LoginAttempt.at), func.max(LoginAttempt.at))
                              .where(LoginAttempt.key == key, LoginAttempt.at > since)).one()


def _refuse(seconds):
    retry_after = max(1, math.ceil(seconds))
    raise ApiError(429, "too_many_attempts", "Too many failed login attempts; try again later.",
                   headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


def _is_known(account, address):
    since = clock.now() - timedelta(days=current_app.config["LOGIN_KNOWN_ADDRESS_DAYS"])
    return db.session.scalar(select(func.count()).select_from(KnownLoginAddress).where(
        KnownLoginAddress.account == account, KnownLoginAddress.address == address,
        KnownLoginAddress.last_success_at > since)) > 0


def check_login_allowed(username, address):
    """Raise 429 (with Retry-After) when this attempt must wait (see the module docstring)."""
    config, now = current_app.config, clock.now()
    window, account, address = _window(), account_key(username), address or "unknown"
    count, _, last = _failures(f"pair:{account}|{address}", now - window)
    free = config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    if count >= free:
        wait = min(config["LOGIN_BACKOFF_SECONDS"] * 2 ** (count - free), window.total_seconds())
        if (last - now).total_seconds() + wait > 0:
            _refuse((last - now).total_seconds() + wait)
    count, first, _ = _failures(f"addr:{address}", now - window)
    if count >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
        _refuse((first + window - now).total_seconds())
    count, first, _ = _failures(f"acct:{account}", now - window)
    if count >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_ADDRESSES"] and not _is_known(account, address):
        _refuse((first + window - now).total_seconds())


def record_login_failure(username, address):
    """Count a failed login under its three keys (kept although the request fails)."""
    account, address, now = account_key(username), address or "unknown", clock.now()
    for key in (f"pair:{account}|{address}", f"addr:{address}", f"acct:{account}"):
        keep_on_error(LoginAttempt, key=key[:200], at=now)


def record_login_success(username, address):
    """Clear the pair's failures (not the account's: the owner logging in must not reset an attacker's
    count) and remember the address as one the account uses."""
    account, address, now = account_key(username), address or "unknown", clock.now()
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == f"pair:{account}|{address}"[:200]))
    touched = db.session.execute(update(KnownLoginAddress).where(
        KnownLoginAddress.account == account, KnownLoginAddress.address == address).values(last_success_at=now))
    if touched.rowcount == 0:
        db.session.add(KnownLoginAddress(account=account, address=address[:64], last_success_at=now))
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:  # a simultaneous login from the same address inserted it first: known either way
            pass


def purge_old_attempts():
    """Delete failures older than the window and known addresses older than their retention (the scheduler
    runs it); return how many failures went."""
    now = clock.now()
    known_since = now - timedelta(days=current_app.config["LOGIN_KNOWN_ADDRESS_DAYS"])
    db.session.execute(delete(KnownLoginAddress).where(KnownLoginAddress.last_success_at <= known_since))
    login_keys = or_(*(LoginAttempt.key.startswith(prefix) for prefix in LOGIN_KEY_PREFIXES))
    return db.session.execute(delete(LoginAttempt).where(login_keys, LoginAttempt.at <= now - _window())).rowcount
