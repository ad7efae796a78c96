"""Pure template expansion: local wall-clock times survive DST changes; exceptions and validity apply."""
from datetime import date, time, timedelta, timezone
from zoneinfo import ZoneInfo

from clinic.scheduling.expansion import TemplateSpec, expand_template, local_to_utc


def _template(weekday, start=time(9), end=time(10), minutes=30, **extra):
    return TemplateSpec("t1", "d1", "i1", weekday, "morning", start, end, minutes, 1, "in_person", **extra)


def _local_starts(slots, tz):
    return [s.starts_at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z") for s in slots]


def test_shanghai_sessions_become_utc_minus_eight_hours():
    slots = expand_template(_template(0), "Asia/Shanghai", date(2026, 3, 2), date(2026, 3, 2))
    assert [s.starts_at for s in slots] == [s.starts_at.replace(hour=1, minute=m) for s, m in zip(slots, (0, 30))]
    assert all(s.starts_at.tzinfo == timezone.utc and s.ends_at - s.starts_at == timedelta(minutes=30) for s in slots)


def test_new_york_spring_forward_keeps_nine_local():
    # DST starts Sunday 8 March 2026 in New York: Saturday is EST (UTC-5), Monday EDT (UTC-4).
    tz = "America/New_York"
    sat = expand_template(_template(5), tz, date(2026, 3, 7), date(2026, 3, 7))
    sun = expand_template(_template(6), tz, date(2026, 3, 8), date(2026, 3, 8))
    assert _local_starts(sat, tz) == ["2026-03-07 09:00 EST", "2026-03-07 09:30 EST"]
    assert _local_starts(sun, tz) == ["2026-03-08 09:00 EDT", "2026-03-08 09:30 EDT"]
    assert sat[0].starts_at.hour == 14 and sun[0].starts_at.hour == 13


def test_berlin_fall_back_keeps_nine_local():
    # Summer time ends Sunday 25 October 2026 in Berlin.
    tz = "Europe/Berlin"
    before = expand_template(_template(5), tz, date(2026, 10, 24), date(2026, 10, 24))
    on = expand_template(_template(6), tz, date(2026, 10, 25), date(2026, 10, 25))
    assert _local_starts(before, tz)[0] == "2026-10-24 09:00 CEST"
    assert _local_starts(on, tz)[0] == "2026-10-25 09:00 CET"
    assert (before[0].starts_at.hour, on[0].starts_at.hour) == (7, 8)


def test_times_in_the_spring_gap_are_skipped_and_the_fall_back_hour_is_not_doubled():
    tz = "America/New_York"
    gap = expand_template(_template(6, time(1, 30), time(3, 30), 30), tz, date(2026, 3, 8), date(2026, 3, 8))
    assert _local_starts(gap, tz) == ["2026-03-08 01:30 EST", "2026-03-08 03:00 EDT"]
    assert local_to_utc(date(2026, 3, 8), time(2, 30), ZoneInfo(tz)) is None
    fold = expand_template(_template(6, time(0, 30), time(2, 0), 30), tz, date(2026, 11, 1), date(2026, 11, 1))
    starts = [s.starts_at for s in fold]
    assert len(starts) == len(set(starts)) == 3


def test_exceptions_and_validity_skip_days():
    template = _template(0, valid_from=date(2026, 3, 9), valid_until=date(2026, 3, 30))
    slots = expand_template(template, "Asia/Shanghai", date(2026, 3, 1), date(2026, 4, 30),
                            exceptions=[(date(2026, 3, 16), date(2026, 3, 20))])
    assert sorted({s.local_date for s in slots}) == [date(2026, 3, 9), date(2026, 3, 23), date(2026, 3, 30)]


def test_a_session_ends_with_the_last_whole_slot():
    slots = expand_template(_template(0, time(8), time(9, 10), 20), "Asia/Shanghai", date(2026, 3, 2), date(2026, 3, 2))
    assert len(slots) == 3
