"""Pure logic without an app: distance, boxes, opening hours, canonical form, ranking, transitions."""
from datetime import date, datetime, timedelta, timezone

import pytest

from pharmacy import canonical, geo, hours, ranking, states

UTC = timezone.utc
# 2026-03-02 is a Monday; 02:00 UTC is 10:00 in Shanghai.
MONDAY_10_SHANGHAI = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
WEEKDAYS_9_TO_18 = [(d, 9 * 60, 18 * 60) for d in range(5)]


def test_haversine_matches_known_distances():
    assert geo.haversine_km(0, 0, 0, 1) == pytest.approx(111.195, abs=0.01)
    # Ningbo Tianyi Square to Ningbo railway station: about 2 km.
    assert geo.haversine_km(29.8683, 121.5440, 29.8630, 121.5250) == pytest.approx(1.93, abs=0.05)
    assert geo.haversine_km(29.8, 121.5, 29.8, 121.5) == 0


def test_bounding_box_contains_the_circle():
    lat, lon, radius = 29.87, 121.54, 5.0
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, radius)
    for bearing_lat, bearing_lon in ((max_lat, lon), (min_lat, lon), (lat, max_lon), (lat, min_lon)):
        assert geo.haversine_km(lat, lon, bearing_lat, bearing_lon) == pytest.approx(radius, rel=0.01)
    assert geo.bounding_box(89.9999999, 0, 10)[2:] == (-180.0, 180.0)


def test_opening_hours_in_the_pharmacys_time_zone():
    assert hours.is_open(MONDAY_10_SHANGHAI, "Asia/Shanghai", WEEKDAYS_9_TO_18)
    # 10:00 UTC is 18:00 in Shanghai: closed (closing minute is exclusive).
    assert not hours.is_open(MONDAY_10_SHANGHAI.replace(hour=10), "Asia/Shanghai", WEEKDAYS_9_TO_18)
    # The same instant is 02:00 in London: closed there.
    assert not hours.is_open(MONDAY_10_SHANGHAI, "Europe/London", WEEKDAYS_9_TO_18)


def test_exceptions_replace_or_close_a_day():
    closed = {date(2026, 3, 2): []}
    assert not hours.is_open(MONDAY_10_SHANGHAI, "Asia/Shanghai", WEEKDAYS_9_TO_18, closed)
    short = {date(2026, 3, 2): [(11 * 60, 12 * 60)]}
    assert not hours.is_open(MONDAY_10_SHANGHAI, "Asia/Shanghai", WEEKDAYS_9_TO_18, short)
    assert hours.next_opening(MONDAY_10_SHANGHAI, "Asia/Shanghai", WEEKDAYS_9_TO_18, short) == \
        MONDAY_10_SHANGHAI + timedelta(hours=1)


def test_next_opening_and_the_pickup_window():
    before_opening = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
    assert hours.next_opening(before_opening, "Asia/Shanghai", WEEKDAYS_9_TO_18) == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert hours.opens_within(before_opening, 60, "Asia/Shanghai", WEEKDAYS_9_TO_18)
    assert not hours.opens_within(before_opening, 15, "Asia/Shanghai", WEEKDAYS_9_TO_18)
    saturday = datetime(2026, 3, 7, 2, 0, tzinfo=UTC)
    assert hours.next_opening(saturday, "Asia/Shanghai", WEEKDAYS_9_TO_18) == datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
    assert hours.next_opening(saturday, "Asia/Shanghai", []) is None


def test_hhmm_parsing():
    assert hours.parse_hhmm("08:30") == 510 and hours.parse_hhmm("24:00") == 1440
    assert hours.format_hhmm(510) == "08:30"
    for bad in ("8", "24:01", "12:60", "ab:cd"):
        with pytest.raises(ValueError):
            hours.parse_hhmm(bad)


def test_canonical_form_is_stable_and_sensitive():
    items = [{"code": "C08CA01", "system": "http://www.whocc.no/atc", "display": "氨氯地平", "dose": "5 mg",
              "frequency": "qd", "route": "oral", "quantity": 28, "days_supply": 28, "notes": None}]
    issued = datetime(2026, 3, 2, 2, 0, 0, 123456, tzinfo=UTC)
    doc = canonical.prescription_document("rx1", "pat1", "prac1", "c1", issued, items)
    data = canonical.canonical_bytes(doc)
    assert data.startswith(b'{"consultation":"c1","format":"cloud-hospital/prescription/1","id":"rx1"')
    assert b" " not in data.replace(b"5 mg", b"") and "氨氯地平".encode() in data
    assert b'"issued_at":"2026-03-02T02:00:00Z"' in data
    assert canonical.canonical_bytes(dict(reversed(list(doc.items())))) == data
    changed = canonical.prescription_document("rx1", "pat1", "prac1", "c1", issued, [{**items[0], "quantity": 29}])
    assert canonical.canonical_bytes(changed) != data


def _candidate(pid, lat, lon, open_orders=0, capacity=10, spare=4.0, radius=5.0, weekly=None):
    return ranking.Candidate(pid, lat, lon, "Asia/Shanghai", capacity, open_orders, radius, spare,
                             weekly=weekly if weekly is not None else [(d, 0, 1440) for d in range(7)])


def test_score_formula_terms():
    assert ranking.score(0, 10, 0, 10, 4) == 0
    assert ranking.score(10, 10, 10, 10, 0) == pytest.approx(1.0)
    assert ranking.score(5, 10, 5, 10, 2) == pytest.approx(0.3 + 0.15 + 0.05)


def test_ranking_prefers_near_then_unloaded_and_applies_the_exact_rules():
    here = (29.8683, 121.5440)
    near_busy = _candidate("a", 29.8690, 121.5440, open_orders=9)
    near_idle = _candidate("b", 29.8700, 121.5440)
    far = _candidate("c", 29.9683, 121.5440)  # 11 km
    closed = _candidate("d", 29.8683, 121.5441, weekly=[])
    ranked = ranking.rank([near_busy, near_idle, far, closed], "pickup", *here, MONDAY_10_SHANGHAI, 30, 60)
    # a (90 % loaded): 0.6*0.002 + 0.3*0.9 = 0.27 loses to c 11 km away: 0.6*11/30 = 0.22
    assert [c.pharmacy_id for c in ranked] == ["b", "c", "a"]
    delivered = ranking.rank([near_busy, near_idle, far], "delivery", *here, MONDAY_10_SHANGHAI, 30, 60)
    assert [c.pharmacy_id for c in delivered] == ["b", "a"]  # c is beyond its 5 km delivery radius


@pytest.mark.parametrize("action,mode,current,expected", [
    ("accept", "pickup", "offered", "accepted"),
    ("prepare", "delivery", "accepted", "prepared"),
    ("pick_up", "pickup", "prepared", "picked_up"),
    ("send_out", "delivery", "prepared", "out_for_delivery"),
    ("deliver", "delivery", "out_for_delivery", "delivered"),
    ("cancel", "pickup", "unroutable", "cancelled"),
])
def test_allowed_transitions(action, mode, current, expected):
    assert states.target(action, mode, current) == expected


@pytest.mark.parametrize("action,mode,current", [
    ("pick_up", "delivery", "prepared"), ("send_out", "pickup", "prepared"), ("prepare", "pickup", "offered"),
    ("cancel", "pickup", "picked_up"), ("cancel", "delivery", "out_for_delivery"), ("accept", "pickup", "cancelled"),
    ("deliver", "delivery", "prepared"),
])
def test_illegal_transitions(action, mode, current):
    with pytest.raises(states.IllegalTransition):
        states.target(action, mode, current)


def test_a_repeated_transition_is_recognised():
    assert states.already_done("pick_up", "pickup", "picked_up")
    assert not states.already_done("pick_up", "delivery", "picked_up")
    assert not states.already_done("prepare", "pickup", "picked_up")
