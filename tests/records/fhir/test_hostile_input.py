"""Hostile input the FHIR fuzz (tests/reliability/test_fuzz_fhir.py) found answered with a 500 or
silently accepted: each now gets a 4xx OperationOutcome and writes nothing."""
import base64
import json

import pytest

from records.errors import FhirError
from records.search.paging import decode_cursor
from records.search.values import parse_date_range, parse_number_range
from tests.records.fhir.conftest import auth


def _cursor(payload):
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_numbers_and_dates_beyond_range_are_not_values():
    assert parse_number_range("1e999999999") is None and parse_number_range("1e-999999999") is None
    assert parse_number_range("5.4") == (5.4, 5.35, 5.45)
    assert parse_date_range("2020-01-01T00:00:00+99:99") is None


@pytest.mark.parametrize("payload", [{"d": "next", "s": [], "v": [], "p": 1e400},
                                     {"d": "next", "s": [], "v": [], "p": 10 ** 30},
                                     {"d": "next", "s": [], "v": [], "p": True}])
def test_a_forged_cursor_position_is_a_400(payload):
    with pytest.raises(FhirError) as caught:
        decode_cursor(_cursor(payload), [])
    assert caught.value.status == 400


def test_if_match_without_a_version_is_a_400_not_an_unconditional_update(client, cast):
    patient = client.post("/fhir/Patient", json={"resourceType": "Patient"}, headers=auth(cast.admin)).get_json()
    r = client.put(f"/fhir/Patient/{patient['id']}", json={"resourceType": "Patient", "id": patient["id"],
                                                           "active": True},
                   headers=auth(cast.admin, **{"If-Match": "W/"}))
    assert r.status_code == 400 and r.get_json()["resourceType"] == "OperationOutcome"
    assert client.get(f"/fhir/Patient/{patient['id']}", headers=auth(cast.admin)).get_json()["meta"]["versionId"] == "1"


def test_if_none_exist_with_unknown_or_no_criteria_is_a_400_not_a_match(client, cast):
    existing = client.post("/fhir/Patient", json={"resourceType": "Patient"}, headers=auth(cast.admin)).get_json()
    for criteria in ("identifer=urn:x|1", "_count=5", "%%%"):
        r = client.post("/fhir/Patient", json={"resourceType": "Patient", "gender": "female"},
                        headers=auth(cast.admin, **{"If-None-Exist": criteria}))
        assert r.status_code == 400, (criteria, r.get_json())
        assert r.get_json().get("id") != existing["id"]


def test_malformed_transaction_entries_and_huge_numbers_are_4xx(client, cast):
    for bundle in ({"resourceType": "Bundle", "type": "transaction", "entry": 5},
                   {"resourceType": "Bundle", "type": "transaction", "entry": [{"request": {"method": "GET", "url": 5}}]},
                   {"resourceType": "Bundle", "type": "batch", "entry": [{"request": {"method": ["GET"], "url": "x"}}]},
                   {"resourceType": "Bundle", "type": "transaction", "entry": [
                       {"request": {"method": "POST", "url": "Patient"}, "resource": [1]}]}):
        r = client.post("/fhir", json=bundle, headers=auth(cast.admin))
        assert r.status_code == 400 and r.get_json()["resourceType"] == "OperationOutcome", bundle
    for path in ("/fhir/Patient/x/_history/2147483648", "/fhir/_history?_offset=%C2%B2",
                 "/fhir/Observation?value-quantity=1e999999999", "/fhir/AuditEvent/" + "9" * 60):
        r = client.get(path, headers=auth(cast.admin))
        assert 400 <= r.status_code < 500, (path, r.get_data(as_text=True))
