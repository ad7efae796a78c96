"""The scenario's extra session: starts a few minutes ahead, off the 5-minute grid of regular sessions,
never at a start the doctor already has, and never across midnight (pure, no server)."""
from datetime import datetime
from zoneinfo import ZoneInfo

from seeds.scenario.sessions import extra_session_start, session_name

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text):
    return datetime.fromisoformat(text)


def test_a_few_minutes_ahead_and_off_the_five_minute_grid():
    start = extra_session_start(at("2026-11-24T08:57:10+00:00"), SHANGHAI, [])
    assert start == at("2026-11-24T17:01:00+08:00") and session_name(start) == "afternoon"


def test_a_start_the_doctor_already_has_is_skipped():
    taken = at("2026-11-24T09:01:00+00:00")  # 17:01 in Ningbo
    assert extra_session_start(at("2026-11-24T08:57:10+00:00"), SHANGHAI, [taken]) == at("2026-11-24T17:02:00+08:00")


def test_a_session_that_would_run_past_midnight_moves_to_the_next_day():
    first = extra_session_start(at("2026-11-24T15:52:00+00:00"), SHANGHAI, [])
    assert first == at("2026-11-25T00:01:00+08:00") and session_name(first) == "morning"
    assert extra_session_start(at("2026-11-24T15:52:00+00:00"), SHANGHAI, [first]) == at("2026-11-25T00:02:00+08:00")
