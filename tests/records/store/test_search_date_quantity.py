"""Date precision and prefixes, quantity search (https://hl7.org/fhir/R4/search.html#date, #quantity)."""
from datetime import datetime, timedelta, timezone

import pytest

from core import clock
from records import store
from records.errors import FhirError
from tests.records.store.builders import ids, observation, patient

pytestmark = pytest.mark.usefixtures("ctx")


@pytest.fixture()
def births():
    return {birth: store.create_resource(patient(birth=birth))["id"]
            for birth in ("1979-12-31", "1980-01-01", "1980-06-15", "1980-12-31", "1981-01-01")}


def _born(params):
    return sorted(ids(store.search("Patient", params, )))


def test_year_matches_the_whole_year(births):
    assert _born([("birthdate", "1980")]) == sorted(births[b] for b in ("1980-01-01", "1980-06-15", "1980-12-31"))


def test_month_and_day_precision(births):
    assert _born([("birthdate", "1980-06")]) == [births["1980-06-15"]]
    assert _born([("birthdate", "eq1980-06-15")]) == [births["1980-06-15"]]


def test_prefixes_follow_the_spec_table(births):
    assert _born([("birthdate", "gt1980")]) == [births["1981-01-01"]]
    assert _born([("birthdate", "lt1980")]) == [births["1979-12-31"]]
    assert _born([("birthdate", "ge1980-12-31")]) == sorted([births["1980-12-31"], births["1981-01-01"]])
    assert _born([("birthdate", "le1980-01-01")]) == sorted([births["1979-12-31"], births["1980-01-01"]])
    assert _born([("birthdate", "sa1980")]) == [births["1981-01-01"]]
    assert _born([("birthdate", "eb1980")]) == [births["1979-12-31"]]
    assert births["1980-06-15"] not in _born([("birthdate", "ne1980")])
    assert _born([("birthdate", "ge1980-06"), ("birthdate", "lt1981")]) == sorted(
        [births["1980-06-15"], births["1980-12-31"]])


def test_approximately_matches_within_ten_percent_of_the_distance_to_now(births):
    clock.set_clock(lambda: datetime(1980, 7, 1, tzinfo=timezone.utc))  # margin: max(1.7 days, 1 day)
    assert births["1980-06-15"] in _born([("birthdate", "ap1980-06-14")])
    assert births["1979-12-31"] not in _born([("birthdate", "ap1980-06-14")])


def test_datetime_with_timezone_and_period_ranges():
    pid = store.create_resource(patient())["id"]
    shanghai = store.create_resource(observation(pid, when="2020-01-02T07:30:00+08:00"))["id"]
    assert ids(store.search("Observation", [("date", "2020-01-01")])) == [shanghai]  # 23:30 UTC on Jan 1
    assert ids(store.search("Observation", [("date", "2020-01-02")])) == []
    enc = store.create_resource({"resourceType": "Encounter", "status": "in-progress",
                                 "class": {"code": "VR"}, "period": {"start": "2020-03-01T09:00:00Z"}})["id"]
    assert ids(store.search("Encounter", [("date", "gt2025-01-01")])) == [enc]  # open end: still going
    assert ids(store.search("Encounter", [("date", "eq2020-03")])) == []  # not contained in March
    assert ids(store.search("Encounter", [("date", "lt2020-03-02")])) == [enc]


def test_last_updated(births):
    one = store.read_resource("Patient", births["1980-01-01"])
    stamp = one["meta"]["lastUpdated"]
    assert len(_born([("_lastUpdated", f"ge{stamp[:10]}")])) == 5
    assert _born([("_lastUpdated", "lt2000-01-01")]) == []


@pytest.mark.parametrize("value", ["1980-13", "gx1980", "yesterday", "1980-02-30"])
def test_malformed_dates_are_400_naming_the_param(value):
    with pytest.raises(FhirError) as error:
        store.search("Patient", [("birthdate", value)])
    assert (error.value.status, error.value.code, error.value.expression) == (400, "invalid", ["birthdate"])


def test_quantity_precision_prefixes_and_units():
    pid = store.create_resource(patient())["id"]
    hr = store.create_resource(observation(pid, value=72.4))["id"]
    temp = store.create_resource(observation(pid, code="8310-5", value=37.0, unit="Cel"))["id"]
    assert ids(store.search("Observation", [("value-quantity", "72")])) == [hr]  # 72 means [71.5, 72.5)
    assert ids(store.search("Observation", [("value-quantity", "72.0")])) == []
    assert ids(store.search("Observation", [("value-quantity", "gt50")])) == [hr]
    assert ids(store.search("Observation", [("value-quantity", "le37")])) == [temp]
    assert ids(store.search("Observation", [("value-quantity", "37||Cel")])) == [temp]
    assert ids(store.search("Observation", [("value-quantity", "37|http://unitsofmeasure.org|/min")])) == []
    assert ids(store.search("Observation", [("value-quantity", "ap70")])) == [hr]
    assert ids(store.search("Observation", [("value-quantity", "ne72")])) == [temp]


def test_malformed_number_is_400():
    with pytest.raises(FhirError) as error:
        store.search("Observation", [("value-quantity", "lots")])
    assert error.value.expression == ["value-quantity"]


def test_ap_uses_a_margin_of_at_least_a_day():
    from records.search.values import parse_date_range

    low, high = parse_date_range("2020-01-01")
    assert high - low == timedelta(days=1)
