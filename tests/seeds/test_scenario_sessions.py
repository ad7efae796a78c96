"""The scenario's extra session: starts a few minutes ahead, off the 5-minute grid of regular sessions,
never at a start the doctor already has, and never across midnight (pure, no server)."""
from datetime import datetime
from zoneinfo import ZoneInfo

from seeds.scenario.client import StepFailed
from seeds.scenario.sessions import extra_session_start, session_name, slot_within_check_in

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


class _Api:
    """The scenario client's surface the session helpers use: a clock, list pages, a template POST."""

    def __init__(self, now, slots):
        self._now, self.slots, self.asked, self.posted = at(now), slots, [], []

    def now(self):
        return self._now

    def items(self, path):
        self.asked.append(path)
        if "available=false" in path:
            return self.slots
        return []  # nothing bookable in the check-in window, before or after the template (none is generated here)

    def post(self, path, body):
        self.posted.append((path, body))


def test_the_extra_session_avoids_the_doctors_slots_at_other_institutions_too():
    """Run again within the minute with another room's institution, the journey chose the first run's start, where
    the doctor already had a slot (one per start time): the new session made none. Those starts are avoided."""
    doctor = _Api("2026-12-07T05:17:42+00:00", [{"starts_at": "2026-12-07T13:21:00+08:00", "institution_id": "a"}])
    patient = _Api("2026-12-07T05:17:42+00:00", [])
    try:
        slot_within_check_in(patient, doctor, "doctor-1", {"id": "b", "timezone": "Asia/Shanghai"}, "online")
    except StepFailed:
        pass  # no slot comes back from this fake: what matters is the template the doctor posted
    [(path, template)] = doctor.posted
    assert path == "/api/v1/schedules/templates" and template["start_time"] == "13:22:00"
    assert any("doctor_id=doctor-1&available=false" in asked for asked in doctor.asked)
