"""Conditional update, conditional delete and PATCH (records.fhir.conditional): the spec's 0 / 1 / many
rules, validated and versioned like an update, nothing half-written by a refusal."""
import base64
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.records.fhir.conftest import auth, observation

LAB = "urn:lab:results"


def _lab_result(patient_id, number, value=72, **extra):
    return observation(patient_id, value=value, identifier=[{"system": LAB, "value": str(number)}], **extra)


def _find(client, cast, number):
    found = client.get(f"/fhir/Observation?identifier={LAB}|{number}", headers=cast.admin).get_json()
    return [e["resource"] for e in found.get("entry", ()) if e["search"]["mode"] == "match"]


def test_conditional_update_creates_then_updates_its_one_match(client, cast):
    url = f"/fhir/Observation?identifier={LAB}|1"
    created = client.put(url, json=_lab_result(cast.p1, 1), headers=auth(cast.doc_a))
    assert created.status_code == 201, created.get_json()
    updated = client.put(url, json=_lab_result(cast.p1, 1, value=80), headers=auth(cast.doc_a))
    assert updated.status_code == 200 and updated.get_json()["id"] == created.get_json()["id"]
    assert updated.get_json()["meta"]["versionId"] == "2" and updated.get_json()["valueQuantity"]["value"] == 80
    with_id = client.put(f"/fhir/Observation?identifier={LAB}|2", json={**_lab_result(cast.p1, 2), "id": "lab-2"},
                         headers=auth(cast.doc_a))
    assert with_id.status_code == 201 and with_id.get_json()["id"] == "lab-2"


def test_conditional_update_refuses_several_matches_a_wrong_id_and_no_criteria(client, cast):
    for _ in range(2):
        client.post("/fhir/Observation", json=_lab_result(cast.p1, 3), headers=auth(cast.doc_a))
    several = client.put(f"/fhir/Observation?identifier={LAB}|3", json=_lab_result(cast.p1, 3, value=99),
                         headers=auth(cast.doc_a))
    assert several.status_code == 412 and several.get_json()["issue"][0]["code"] == "multiple-matches"
    assert {r["valueQuantity"]["value"] for r in _find(client, cast, 3)} == {72}
    one = client.post("/fhir/Observation", json=_lab_result(cast.p1, 4), headers=auth(cast.doc_a)).get_json()
    wrong = client.put(f"/fhir/Observation?identifier={LAB}|4", json={**_lab_result(cast.p1, 4), "id": "other"},
                       headers=auth(cast.doc_a))
    assert wrong.status_code == 400 and one["id"] in wrong.get_json()["issue"][0]["diagnostics"]
    assert client.put("/fhir/Observation", json=_lab_result(cast.p1, 5), headers=auth(cast.doc_a)).status_code == 400
    unknown = client.put("/fhir/Observation?colour=blue", json=_lab_result(cast.p1, 5), headers=auth(cast.doc_a))
    assert unknown.status_code == 400 and _find(client, cast, 5) == []


def test_conditional_update_keeps_the_access_rules(client, cast):
    refused = client.put(f"/fhir/Observation?identifier={LAB}|6", json=_lab_result(cast.p1, 6),
                         headers=auth(cast.doc_b))
    assert refused.status_code == 403 and _find(client, cast, 6) == []


def test_conditional_delete_deletes_its_one_match_and_refuses_several(client, cast):
    assert client.delete(f"/fhir/Observation?identifier={LAB}|7", headers=cast.doc_a).status_code == 204  # none
    one = client.post("/fhir/Observation", json=_lab_result(cast.p1, 7), headers=auth(cast.doc_a)).get_json()
    assert client.delete(f"/fhir/Observation?identifier={LAB}|7", headers=cast.doc_a).status_code == 204
    assert client.get(f"/fhir/Observation/{one['id']}", headers=cast.doc_a).status_code == 410
    for _ in range(2):
        client.post("/fhir/Observation", json=_lab_result(cast.p1, 8), headers=auth(cast.doc_a))
    assert client.delete(f"/fhir/Observation?identifier={LAB}|8", headers=cast.doc_a).status_code == 412
    assert len(_find(client, cast, 8)) == 2
    assert client.delete("/fhir/Observation", headers=cast.doc_a).status_code == 400  # no criteria: not "all"


def test_json_patch_is_validated_and_versioned(client, cast):
    obs = client.post("/fhir/Observation", json=_lab_result(cast.p1, 9), headers=auth(cast.doc_a)).get_json()
    url, headers = f"/fhir/Observation/{obs['id']}", auth(cast.doc_a, **{"Content-Type": "application/json-patch+json"})
    operations = [{"op": "test", "path": "/status", "value": "final"},
                  {"op": "replace", "path": "/status", "value": "amended"},
                  {"op": "replace", "path": "/valueQuantity/value", "value": 75}]
    patched = client.patch(url, data=json.dumps(operations), headers=headers)
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["status"] == "amended" and patched.get_json()["meta"]["versionId"] == "2"
    failed_test = client.patch(url, data=json.dumps(operations[:1]), headers=headers)  # status is amended now
    assert failed_test.status_code == 422
    invalid = client.patch(url, data=json.dumps([{"op": "replace", "path": "/status", "value": "maybe"}]),
                           headers=headers)
    assert invalid.status_code == 400
    renamed = client.patch(url, data=json.dumps([{"op": "replace", "path": "/id", "value": "x"}]), headers=headers)
    assert renamed.status_code == 400
    stale = client.patch(url, data=json.dumps(operations[1:]), headers={**headers, "If-Match": 'W/"1"'})
    assert stale.status_code == 412
    malformed = client.patch(url, data=json.dumps([{"op": "fly", "path": "/status"}]), headers=headers)
    assert malformed.status_code == 400
    assert client.get(url, headers=cast.doc_a).get_json()["meta"]["versionId"] == "2"  # nothing else stored


def test_merge_patch_sets_and_removes_elements(client, cast):
    obs = client.post("/fhir/Observation", json=_lab_result(cast.p1, 10, note=[{"text": "fasting"}]),
                      headers=auth(cast.doc_a)).get_json()
    url = f"/fhir/Observation/{obs['id']}"
    patched = client.patch(url, json={"status": "corrected", "note": None}, headers=cast.doc_a)
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["status"] == "corrected" and "note" not in patched.get_json()
    assert client.patch(url, json={"status": "corrected"}, headers=cast.doc_b).status_code == 403


def test_fhirpath_patch_is_refused_clearly(client, cast):
    obs = client.post("/fhir/Observation", json=_lab_result(cast.p1, 11), headers=auth(cast.doc_a)).get_json()
    parameters = {"resourceType": "Parameters", "parameter": [{"name": "operation", "part": []}]}
    response = client.patch(f"/fhir/Observation/{obs['id']}", json=parameters, headers=auth(cast.doc_a))
    assert response.status_code == 415 and "JSON Patch" in response.get_json()["issue"][0]["diagnostics"]


def test_a_transaction_patches_with_a_binary_and_rolls_back_whole(client, cast):
    obs = client.post("/fhir/Observation", json=_lab_result(cast.p1, 12), headers=auth(cast.doc_a)).get_json()

    def binary(operations):
        data = base64.b64encode(json.dumps(operations).encode()).decode()
        return {"resourceType": "Binary", "contentType": "application/json-patch+json", "data": data}

    good = {"resource": binary([{"op": "replace", "path": "/status", "value": "amended"}]),
            "request": {"method": "PATCH", "url": f"Observation/{obs['id']}"}}
    bad = {"resource": binary([{"op": "replace", "path": "/status", "value": "maybe"}]),
           "request": {"method": "PATCH", "url": f"Observation/{obs['id']}"}}
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [good]}
    assert client.post("/fhir", json={**bundle, "entry": [good, bad]}, headers=auth(cast.doc_a)).status_code == 400
    assert client.get(f"/fhir/Observation/{obs['id']}", headers=cast.doc_a).get_json()["status"] == "final"
    response = client.post("/fhir", json=bundle, headers=auth(cast.doc_a))
    assert response.status_code == 200, response.get_json()
    assert client.get(f"/fhir/Observation/{obs['id']}", headers=cast.doc_a).get_json()["status"] == "amended"


def test_conditional_patch_needs_exactly_one_match(client, cast):
    headers = auth(cast.doc_a, **{"Content-Type": "application/json-patch+json"})
    operations = json.dumps([{"op": "replace", "path": "/status", "value": "amended"}])
    assert client.patch(f"/fhir/Observation?identifier={LAB}|13", data=operations, headers=headers).status_code == 404
    client.post("/fhir/Observation", json=_lab_result(cast.p1, 13), headers=auth(cast.doc_a))
    assert client.patch(f"/fhir/Observation?identifier={LAB}|13", data=operations, headers=headers).status_code == 200
    client.post("/fhir/Observation", json=_lab_result(cast.p1, 13), headers=auth(cast.doc_a))
    assert client.patch(f"/fhir/Observation?identifier={LAB}|13", data=operations, headers=headers).status_code == 412


@pytest.mark.live
def test_concurrent_conditional_updates_create_one_resource(live_server, cast):
    """Six clients put the same lab result at once: one creates it, the others update it, none duplicates it."""
    clients = 6
    barrier = threading.Barrier(clients)
    url = f"{live_server.url}/fhir/Observation?identifier={LAB}|77"

    def put(value):
        with requests.Session() as session:
            session.get(f"{live_server.url}/healthz", timeout=60)
            barrier.wait(timeout=60)
            return session.put(url, json=_lab_result(cast.p1, 77, value=value), timeout=60,
                               headers={**auth(cast.doc_a)}).status_code

    with ThreadPoolExecutor(max_workers=clients) as pool:
        statuses = sorted(pool.map(put, range(clients)))
    assert statuses == [200] * (clients - 1) + [201], statuses
    found = requests.get(url, timeout=60, headers=cast.admin).json()
    assert found["total"] == 1
    history = requests.get(f"{live_server.url}/fhir/Observation/{found['entry'][0]['resource']['id']}/_history",
                           headers=cast.admin, timeout=60).json()
    assert history["total"] == clients
