"""Expand weekly schedule templates into concrete slots (pure: no Flask, no database).

Templates are in the institution's local wall-clock time; the slots are aware UTC datetimes. A 09:00
session stays 09:00 local on both sides of a DST change. Local times that do not exist (the
spring-forward gap) are skipped; ambiguous ones (the fall-back hour) take their first occurrence.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class TemplateSpec:
    """The parts of a schedule template that expansion needs."""

    id: str
    doctor_id: str
    institution_id: str
    weekday: int
    session: str
    start_time: time
    end_time: time
    slot_minutes: int
    capacity: int
    kind: str
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True)
class SlotSpec:
    """One slot to create."""

    template_id: str
    doctor_id: str
    institution_id: str
    kind: str
    session: str
    local_date: date
    starts_at: datetime
    ends_at: datetime
    capacity: int


def daterange(first, last):
    """Every date from `first` to `last` inclusive."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def local_to_utc(day, wall, zone):
    """The UTC instant of local `day` `wall` in `zone`, or None when that local time does not exist."""
    local = datetime.combine(day, wall, tzinfo=zone)
    instant = local.astimezone(timezone.utc)
    # A wall time in the DST gap does not survive the round trip.
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def session_starts(day, template):
    """The local wall-clock start times of the template's slots on `day`."""
    step = timedelta(minutes=template.slot_minutes)
    cursor = datetime.combine(day, template.start_time)
    end = datetime.combine(day, template.end_time)
    while cursor + step <= end:
        yield cursor.time()
        cursor += step


def covered(day, exceptions):
    """True when `day` falls in any (start_date, end_date) range."""
    return any(start <= day <= end for start, end in exceptions)


def expand_template(template, tz_name, first, last, exceptions=()):
    """The slots of one template over local dates [first, last], skipping excepted dates."""
    zone = ZoneInfo(tz_name)
    length = timedelta(minutes=template.slot_minutes)
    lo = max(first, template.valid_from) if template.valid_from else first
    hi = min(last, template.valid_until) if template.valid_until else last
    slots = []
    for day in daterange(lo, hi):
        if day.weekday() != template.weekday or covered(day, exceptions):
            continue
        for wall in session_starts(day, template):
            starts_at = local_to_utc(day, wall, zone)
            if starts_at is None:
                continue
            slots.append(SlotSpec(template.id, template.doctor_id, template.institution_id, template.kind,
                                  template.session, day, starts_at, starts_at + length, template.capacity))
    return slots


def local_date_of(instant, tz_name):
    """The local date of an aware instant in `tz_name`."""
    return instant.astimezone(ZoneInfo(tz_name)).date()


def local_today(now, tz_name):
    """Today's date in `tz_name`."""
    return local_date_of(now, tz_name)
