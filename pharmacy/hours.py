"""Opening hours in a pharmacy's own time zone (pure, no Flask).

A week is a list of intervals (weekday 0=Monday, open_minute, close_minute), minutes after local
midnight, close > open; a night shift is two intervals. Exceptions are per local date: a list of
intervals replaces that day's hours, an empty list closes the pharmacy for the day.
"""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60


def _intervals_on(day, weekly, exceptions):
    if day in exceptions:
        return sorted(exceptions[day])
    return sorted((o, c) for wd, o, c in weekly if wd == day.weekday())


def is_open(moment, tz_name, weekly, exceptions=None):
    """True when a pharmacy is open at the aware datetime `moment`."""
    local = moment.astimezone(ZoneInfo(tz_name))
    minute = local.hour * 60 + local.minute
    return any(o <= minute < c for o, c in _intervals_on(local.date(), weekly, exceptions or {}))


def next_opening(moment, tz_name, weekly, exceptions=None, horizon_days=8):
    """The first aware UTC-comparable moment >= `moment` when the pharmacy is open, or None within the horizon."""
    zone = ZoneInfo(tz_name)
    local = moment.astimezone(zone)
    exceptions = exceptions or {}
    if is_open(moment, tz_name, weekly, exceptions):
        return moment
    minute = local.hour * 60 + local.minute
    for offset in range(horizon_days):
        day = local.date() + timedelta(days=offset)
        for open_minute, _ in _intervals_on(day, weekly, exceptions):
            if offset == 0 and open_minute <= minute:
                continue
            start = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(minutes=open_minute)
            return start.astimezone(moment.tzinfo)
    return None


def opens_within(moment, minutes, tz_name, weekly, exceptions=None):
    """True when the pharmacy is open now or opens within `minutes` of `moment`."""
    opening = next_opening(moment, tz_name, weekly, exceptions, horizon_days=2)
    return opening is not None and opening - moment <= timedelta(minutes=minutes)


def parse_hhmm(text):
    """'08:30' -> 510; '24:00' -> 1440 (a closing time at midnight)."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{text!r} is not HH:MM")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > MINUTES_PER_DAY:
        raise ValueError(f"{text!r} is not a time of day")
    return value


def format_hhmm(minutes):
    """510 -> '08:30'."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
