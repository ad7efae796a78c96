"""Batch and transaction Bundles (http://hl7.org/fhir/R4/http.html#transaction)."""
from tests.records.fhir.conftest import auth, observation

URN = "urn:uuid:0b0d8f7e-4e4c-4a55-9a38-0f5c1b1b2d01"


def transaction(*entries, kind="transaction"):
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def post(resource, full_url=None, **request):
    entry = {"resource": resource, "request": {"method": "POST", "url": resource["resourceType"], **request}}
    if full_url:
        entry["fullUrl"] = full_url
    return entry


def test_transaction_resolves_urn_uuid_references(client, cast):
    encounter = {"resourceType": "Encounter", "status": "finished",
                 "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR"},
                 "subject": {"reference": f"Patient/{cast.p1}"},
                 "participant": [{"individual": {"reference": "Practitioner/pract-a"}}]}
    obs = observation(cast.p1, encounter={"reference": URN},
                      hasMember=[{"reference": URN}])  # nested references are rewritten too
    r = client.post("/fhir", json=transaction(post(obs), post(encounter, URN)), headers=auth(cast.doc_a))
    assert r.status_code == 200, r.get_json()
    bundle = r.get_json()
    assert bundle["type"] == "transaction-response"
    assert [e["response"]["status"] for e in bundle["entry"]] == ["201 Created", "201 Created"]
    encounter_id = bundle["entry"][1]["resource"]["id"]
    stored = client.get(bundle["entry"][0]["response"]["location"].replace("http://localhost", ""),
                        headers=cast.doc_a).get_json()
    assert stored["encounter"]["reference"] == f"Encounter/{encounter_id}"
    assert stored["hasMember"][0]["reference"] == f"Encounter/{encounter_id}"


def test_transaction_is_atomic(client, cast):
    good = post(observation(cast.p1))
    forbidden = post(observation(cast.p2))  # doctor A has no care relationship with patient 2
    r = client.post("/fhir", json=transaction(good, forbidden), headers=auth(cast.doc_a))
    assert r.status_code == 403 and "entry[1]" in r.get_json()["issue"][0]["diagnostics"]
    assert client.get("/fhir/Observation", headers=cast.admin).get_json()["total"] == 0


def test_a_transaction_entry_of_a_type_not_served_stores_nothing(client, cast):
    """A resource /fhir could never read or search is refused, not stored out of reach."""
    basic = {"resourceType": "Basic", "code": {"text": "note"}, "subject": {"reference": f"Patient/{cast.p1}"}}
    for kind in ("transaction", "batch"):
        r = client.post("/fhir", json=transaction(post(observation(cast.p1)), post(basic, URN), kind=kind),
                        headers=auth(cast.admin))
        if kind == "transaction":
            assert r.status_code == 404, r.get_json()
            assert r.get_json()["issue"][0]["diagnostics"].startswith("Bundle.entry[1]: Resource type 'Basic'")
            assert client.get("/fhir/Observation", headers=cast.admin).get_json()["total"] == 0
        else:
            assert [e["response"]["status"][:3] for e in r.get_json()["entry"]] == ["201", "404"]


def test_transaction_order_delete_post_put_get(client, cast):
    first = client.post("/fhir/Observation", json=observation(cast.p1), headers=auth(cast.doc_a)).get_json()
    put_body = {**observation(cast.p1, value=99), "id": "put-1"}
    r = client.post("/fhir", json=transaction(
        {"request": {"method": "GET", "url": "Observation?code=8867-4"}},
        {"resource": put_body, "request": {"method": "PUT", "url": "Observation/put-1"}},
        post(observation(cast.p1, value=5)),
        {"request": {"method": "DELETE", "url": f"Observation/{first['id']}"}},
    ), headers=auth(cast.doc_a))
    entries = r.get_json()["entry"]
    assert [e["response"]["status"] for e in entries] == ["200 OK", "201 Created", "201 Created", "204 No Content"]
    # The GET ran last: it sees the POST and PUT results but not the deleted one.
    assert entries[0]["resource"]["total"] == 2


def test_batch_entries_are_independent(client, cast):
    r = client.post("/fhir", json=transaction(post(observation(cast.p1)), post(observation(cast.p2)),
                                              {"request": {"method": "GET", "url": "Observation/missing"}},
                                              kind="batch"), headers=auth(cast.doc_a))
    statuses = [e["response"]["status"] for e in r.get_json()["entry"]]
    assert r.status_code == 200 and statuses == ["201 Created", "403", "404"]
    assert r.get_json()["entry"][1]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert client.get("/fhir/Observation", headers=cast.admin).get_json()["total"] == 1


def test_transaction_conditional_create_reuses_match(client, cast):
    ident = {"identifier": [{"system": "urn:lab", "value": "7"}]}
    client.post("/fhir/Observation", json=observation(cast.p1, **ident), headers=auth(cast.doc_a))
    r = client.post("/fhir", json=transaction(post(observation(cast.p1, **ident), URN,
                                                   ifNoneExist="identifier=urn:lab|7")), headers=auth(cast.doc_a))
    assert r.get_json()["entry"][0]["response"]["status"] == "200 OK"
    assert client.get("/fhir/Observation", headers=cast.admin).get_json()["total"] == 1


def test_base_only_takes_batch_or_transaction(client, cast):
    r = client.post("/fhir", json={"resourceType": "Bundle", "type": "collection"}, headers=auth(cast.admin))
    assert r.status_code == 400 and r.get_json()["resourceType"] == "OperationOutcome"


def test_capability_statement_lists_what_is_supported(client):
    r = client.get("/fhir/metadata")
    statement = r.get_json()
    assert r.status_code == 200 and statement["resourceType"] == "CapabilityStatement"
    resources = {res["type"]: res for res in statement["rest"][0]["resource"]}
    assert "Observation" in resources and "Spaceship" not in resources
    assert {p["name"] for p in resources["Observation"]["searchParam"]} >= {"code", "subject", "date"}
    assert [i["code"] for i in resources["AuditEvent"]["interaction"]] == ["read", "search-type"]
    assert resources["Patient"]["operation"][0]["name"] == "everything"
