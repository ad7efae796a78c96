"""The kernel's periodic sweeps (run by the scheduler leader; tests call these functions directly)."""
from flask import current_app

from core import idempotency, phone_codes, ratelimit, registration_limits
from core.scheduler import register_periodic


@register_periodic("core.purge_idempotency_keys", seconds=3600)
def purge_idempotency_keys():
    """Forget Idempotency-Keys older than their retention."""
    return idempotency.purge_keys(current_app.config["IDEMPOTENCY_TTL_HOURS"])


@register_periodic("core.purge_login_attempts", seconds=600)
def purge_login_attempts():
    """Delete failed-login records older than the throttling window (they no longer count)."""
    return ratelimit.purge_old_attempts()


@register_periodic("core.purge_phone_codes", seconds=600)
def purge_phone_codes():
    """Delete one-time registration codes past their expiry and registration counts past their window."""
    return phone_codes.purge_expired() + registration_limits.purge_old_counts()
