"""The one source of "now" (timezone-aware UTC), replaceable in tests to drive timed work."""
from datetime import datetime, timezone

_override = None


def now():
    """Return the current time as an aware UTC datetime."""
    return _override() if _override else datetime.now(timezone.utc)


def set_clock(fn):
    """Install a callable returning aware datetimes (None restores the real clock)."""
    global _override
    _override = fn
