"""Abuse limits of the FHIR API (records.search.limits, records.fhir.transactions.MAX_ENTRIES): each a
clear 4xx OperationOutcome, with nothing stored by the refused request; limits reached exactly still work
(on SQLite too, whose statements have a maximum expression depth)."""
import pytest

from records.fhir import transactions
from records.search import limits
from tests.records.fhir.conftest import auth, observation

STRICT = {"Prefer": "handling=strict"}


def _outcome(response, status, code):
    body = response.get_json()
    assert response.status_code == status, body
    assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["code"] == code, body
    return body["issue"][0]["diagnostics"]


def _bundle(kind, entries):
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def _stored_observations(client, cast):
    return client.get("/fhir/Observation?_summary=count", headers=cast.admin).get_json()["total"]


@pytest.mark.parametrize("kind", ["transaction", "batch"])
def test_a_bundle_above_the_entry_limit_is_refused_whole(client, cast, kind):
    entries = [{"resource": observation(cast.p1, value=n), "request": {"method": "POST", "url": "Observation"}}
               for n in range(transactions.MAX_ENTRIES + 1)]
    said = _outcome(client.post("/fhir", json=_bundle(kind, entries), headers=auth(cast.admin)), 413, "too-costly")
    assert f"at most {transactions.MAX_ENTRIES} entries" in said
    assert _stored_observations(client, cast) == 0


def test_a_bundle_at_the_entry_limit_is_processed(client, cast, monkeypatch):
    monkeypatch.setattr(transactions, "MAX_ENTRIES", 5)
    entries = [{"request": {"method": "GET", "url": f"Observation?value-quantity={n}"}} for n in range(5)]
    response = client.post("/fhir", json=_bundle("batch", entries), headers=auth(cast.admin))
    assert response.status_code == 200 and len(response.get_json()["entry"]) == 5
    _outcome(client.post("/fhir", json=_bundle("batch", entries * 2), headers=auth(cast.admin)), 413, "too-costly")


@pytest.mark.parametrize("parameter, value", [
    ("code", "http://loinc.org|{n}-1"),
    ("date", "ge2020-01-{day:02d}"),
    ("value-quantity", "gt{n}|http://unitsofmeasure.org|/min"),
    ("subject:Patient.name", "name{n}"),
])
def test_search_values_up_to_the_limit_are_answered_and_above_it_refused(client, cast, parameter, value):
    client.post("/fhir/Observation", json=observation(cast.p1), headers=auth(cast.doc_a))
    values = [value.format(n=n, day=n % 28 + 1) for n in range(limits.MAX_VALUES)]
    at_limit = client.get(f"/fhir/Observation?{parameter}={','.join(values)}", headers=cast.admin)
    assert at_limit.status_code == 200, at_limit.get_json()
    above = client.get(f"/fhir/Observation?{parameter}={','.join(values + values[:1])}", headers=cast.admin)
    assert f"at most {limits.MAX_VALUES} values" in _outcome(above, 400, "too-costly")


def test_the_values_of_several_parameters_count_together(client, cast):
    half = ",".join(str(n) for n in range(limits.MAX_VALUES // 2 + 1))
    response = client.get(f"/fhir/Observation?_id={half}&value-quantity={half}", headers=cast.admin)
    _outcome(response, 400, "too-costly")


def test_too_many_search_parameters_are_refused(client, cast):
    query = "&".join(f"code=http://loinc.org|{n}" for n in range(limits.MAX_CRITERIA))
    assert client.get(f"/fhir/Observation?{query}", headers=cast.admin).status_code == 200
    refused = client.get(f"/fhir/Observation?{query}&bogus=1", headers=cast.admin)  # unknown ones count too
    assert f"at most {limits.MAX_CRITERIA} parameters" in _outcome(refused, 400, "too-costly")


def test_a_count_above_the_maximum_is_capped_with_a_warning_or_refused_when_strict(client, cast):
    for n in range(3):
        client.post("/fhir/Observation", json=observation(cast.p1, value=n), headers=auth(cast.doc_a))
    asked = limits.MAX_COUNT + 1
    lenient = client.get(f"/fhir/Observation?_count={asked}", headers=cast.admin).get_json()
    assert [e["resource"]["resourceType"] for e in lenient["entry"]].count("Observation") == 3
    warning = [e["resource"] for e in lenient["entry"] if e["search"]["mode"] == "outcome"][0]
    assert warning["issue"][0]["severity"] == "warning" and "_count is capped" in warning["issue"][0]["diagnostics"]
    strict = client.get(f"/fhir/Observation?_count={asked}", headers={**cast.admin, **STRICT})
    assert "_count is capped" in _outcome(strict, 400, "not-supported")
    at_most = client.get(f"/fhir/Observation?_count={limits.MAX_COUNT}", headers={**cast.admin, **STRICT})
    assert at_most.status_code == 200


def test_unknown_parameters_are_reported_or_refused_when_strict(client, cast):
    lenient = client.get("/fhir/Observation?colour=blue", headers=cast.admin).get_json()
    outcome = [e["resource"] for e in lenient.get("entry", []) if e["search"]["mode"] == "outcome"][0]
    assert outcome["issue"][0]["expression"] == ["colour"]
    assert "colour" in _outcome(client.get("/fhir/Observation?colour=blue", headers={**cast.admin, **STRICT}), 400,
                                "not-supported")
