"""A slot the patient can check into right away: the scenario runs at any hour, so it first looks for a
bookable slot starting within the check-in window, and otherwise the doctor opens an extra one-day
session starting in a few minutes (POST /api/v1/schedules/templates with valid_from = valid_until), as
a clinic adds an extra session when demand is high."""
from datetime import datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from seeds.scenario.client import StepFailed

SEARCH_AHEAD = timedelta(minutes=50)  # check-in opens 60 minutes before the start
LEAD = timedelta(minutes=2)
SESSION_LENGTH = timedelta(minutes=10)
EXTRA_CAPACITY = 6


def session_name(local):
    """The clinic session a local time belongs to."""
    return "morning" if local.hour < 12 else "afternoon" if local.hour < 18 else "evening" if local.hour < 22 else "night"


def search_slots(api, doctor_id, kind, institution_id=None, avoid=()):
    """Bookable slots of the doctor starting within the check-in window (none starting at an `avoid` time)."""
    now = api.now()
    query = f"doctor_id={doctor_id}&kind={kind}&from={quote(now.isoformat())}&to={quote((now + SEARCH_AHEAD).isoformat())}"
    if institution_id:
        query += f"&institution_id={institution_id}"
    avoid = {datetime.fromisoformat(a) if isinstance(a, str) else a for a in avoid}
    return [s for s in api.items(f"/api/v1/slots?{query}")
            if s.get("available") and datetime.fromisoformat(s["starts_at"]) not in avoid]


def taken_starts(api, doctor_id):
    """Start times of the doctor's slots in the next day, of any kind, place or state: a doctor has one slot per
    start time, so an extra session there makes none (a journey run again within the minute, with another
    consulting room's institution, chose the first run's start)."""
    now = api.now()
    query = (f"doctor_id={doctor_id}&available=false&from={quote(now.isoformat())}"
             f"&to={quote((now + timedelta(days=1, hours=1)).isoformat())}")
    return [slot["starts_at"] for slot in api.items(f"/api/v1/slots?{query}")]


def extra_session_start(now, tz, avoid):
    """A local start a few minutes ahead, off the 5-minute grid regular sessions use and off `avoid` (a
    doctor has one slot per start time), on one day."""
    local = (now + LEAD).astimezone(tz).replace(second=0, microsecond=0) + timedelta(minutes=1)
    while True:
        if (local + SESSION_LENGTH).date() != local.date():  # a session never runs across midnight
            local = datetime.combine(local.date() + timedelta(days=1), time(0, 1), tz)
        if local.minute % 5 and not any(local == a for a in avoid):
            return local
        local += timedelta(minutes=1)


def open_extra_session(doctor_api, doctor_id, institution, kind, avoid=()):
    """The doctor adds a one-day session at `institution` starting in a few minutes; returns its local start."""
    tz = ZoneInfo(institution.get("timezone") or "Asia/Shanghai")
    start = extra_session_start(doctor_api.now(), tz, [datetime.fromisoformat(a) for a in avoid])
    end = start + SESSION_LENGTH
    doctor_api.post("/api/v1/schedules/templates", {
        "doctor_id": doctor_id, "institution_id": institution["id"], "weekday": start.weekday(),
        "session": session_name(start), "start_time": start.strftime("%H:%M:00"), "end_time": end.strftime("%H:%M:00"),
        "slot_minutes": int(SESSION_LENGTH.total_seconds() // 60), "capacity": EXTRA_CAPACITY, "kind": kind,
        "valid_from": start.date().isoformat(), "valid_until": start.date().isoformat()})
    return start


def slot_within_check_in(patient_api, doctor_api, doctor_id, institution, kind, avoid=()):
    """(slot, note): a bookable slot starting soon, opening an extra session when there is none.
    `avoid`: ISO start times taken by the doctor's other slot in this journey."""
    found = search_slots(patient_api, doctor_id, kind, institution["id"], avoid)
    if found:
        return found[0], "an open session"
    start = open_extra_session(doctor_api, doctor_id, institution, kind, [*avoid, *taken_starts(doctor_api, doctor_id)])
    found = search_slots(patient_api, doctor_id, kind, institution["id"], avoid)
    if not found:
        raise StepFailed(f"the extra {kind} session at {start:%H:%M} produced no bookable slot")
    return found[0], f"an extra session the doctor opened at {start:%H:%M} local time"
