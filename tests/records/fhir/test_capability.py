"""/fhir/metadata tells the truth: everything it declares is served. Every search parameter, `_include` and
`_revinclude` of every type is asked for under `Prefer: handling=strict` (which refuses anything not served
with 400); the declared interactions and operations are exercised."""
from urllib.parse import quote

from tests.records.fhir.conftest import auth, observation

STRICT = {"Prefer": "handling=strict"}
SAMPLE = {"token": "http://loinc.org|8867-4", "string": "wei", "reference": "Patient/nobody", "date": "ge2020-01-01",
          "quantity": "gt5", "number": "5", "uri": "http://example.org/fhir/x", "composite": None, "special": None}


def _statement(client):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    return {res["type"]: res for res in response.get_json()["rest"][0]["resource"]}


def test_every_declared_search_parameter_include_and_revinclude_is_served(client, cast):
    for resource_type, declared in _statement(client).items():
        for param in declared["searchParam"]:
            value = SAMPLE[param["type"]] if param["name"] != "_id" else "nobody"
            if value is None:
                continue
            url = f"/fhir/{resource_type}?{param['name']}={quote(value)}"
            response = client.get(url, headers={**cast.admin, **STRICT})
            assert response.status_code == 200, (url, response.get_json())
        for kind in ("searchInclude", "searchRevInclude"):
            for spec in declared.get(kind, ()):
                name = "_include" if kind == "searchInclude" else "_revinclude"
                url = f"/fhir/{resource_type}?{name}={spec}"
                response = client.get(url, headers={**cast.admin, **STRICT})
                assert response.status_code == 200, (url, response.get_json())


def test_includes_are_declared_and_strict_refuses_what_is_not(client, cast):
    refused = client.get("/fhir/Observation?_include=Observation:colour", headers={**cast.admin, **STRICT})
    assert refused.status_code == 400  # so the 200s above mean "served"
    resources = _statement(client)
    assert "Observation:subject" in resources["Observation"]["searchInclude"]
    assert "Observation:subject" in resources["Patient"]["searchRevInclude"]
    assert "Appointment:slot" in resources["Slot"]["searchRevInclude"]
    assert "searchInclude" not in resources["AuditEvent"]


def test_the_declared_interactions_and_operations_answer(client, cast):
    resources = _statement(client)
    declared = {i["code"] for i in resources["Observation"]["interaction"]}
    assert declared >= {"create", "read", "vread", "update", "patch", "delete", "history-instance", "history-type",
                        "search-type"}
    created = client.post("/fhir/Observation", json=observation(cast.p1), headers=auth(cast.doc_a))
    assert created.status_code == 201
    obs = created.get_json()
    url = f"/fhir/Observation/{obs['id']}"
    assert client.get(url, headers=cast.admin).status_code == 200
    assert client.get(f"{url}/_history/1", headers=cast.admin).status_code == 200
    assert client.put(url, json={**obs, "status": "amended"}, headers=auth(cast.admin)).status_code == 200
    assert client.get(f"{url}/_history", headers=cast.admin).get_json()["total"] == 2
    assert client.get("/fhir/Observation/_history", headers=cast.admin).status_code == 200
    assert client.get("/fhir/Observation", headers=cast.admin).get_json()["total"] == 1
    if "patch" in declared:
        patched = client.patch(url, json={"status": "corrected"}, headers=cast.admin)
        assert patched.status_code == 200 and patched.get_json()["meta"]["versionId"] == "3"
    assert client.delete(url, headers=cast.admin).status_code == 204
    if resources["Observation"].get("conditionalUpdate"):
        lab = observation(cast.p1, identifier=[{"system": "urn:lab", "value": "2"}])
        put = client.put("/fhir/Observation?identifier=urn:lab|2", json=lab, headers=auth(cast.admin))
        assert put.status_code == 201
    if resources["Observation"].get("conditionalDelete") == "single":
        assert client.delete("/fhir/Observation?identifier=urn:lab|2", headers=cast.admin).status_code == 204
        assert client.get("/fhir/Observation?identifier=urn:lab|2", headers=cast.admin).get_json()["total"] == 0
    if resources["Observation"].get("conditionalCreate"):
        body = observation(cast.p1, identifier=[{"system": "urn:lab", "value": "1"}])
        headers = auth(cast.admin, **{"If-None-Exist": "identifier=urn:lab|1"})
        first = client.post("/fhir/Observation", json=body, headers=headers)
        again = client.post("/fhir/Observation", json=body, headers=headers)
        assert (first.status_code, again.status_code) == (201, 200)
    for operation in resources["Patient"].get("operation", ()):
        assert client.get(f"/fhir/Patient/{cast.p1}/${operation['name']}", headers=cast.admin).status_code == 200
    assert [i["code"] for i in resources["AuditEvent"]["interaction"]] == ["read", "search-type"]
    refused = client.post("/fhir/AuditEvent", json={"resourceType": "AuditEvent"}, headers=auth(cast.admin))
    assert refused.status_code == 405


def test_validate_checks_content_and_stores_nothing(client, cast):
    valid = observation(cast.p1)
    ok = client.post("/fhir/Observation/$validate", json=valid, headers=auth(cast.p1_headers))
    assert ok.status_code == 200 and ok.get_json()["issue"][0]["severity"] == "information"
    wrapped = {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": valid},
                                                          {"name": "mode", "valueCode": "create"}]}
    assert client.post("/fhir/Observation/$validate", json=wrapped, headers=auth(cast.doc_a)).status_code == 200
    bad = {**valid, "status": "maybe"}
    refused = client.post("/fhir/Observation/$validate", json=bad, headers=auth(cast.doc_a))
    assert refused.status_code == 400 and "status" in refused.get_json()["issue"][0]["diagnostics"]
    other = client.post("/fhir/Patient/$validate", json=valid, headers=auth(cast.doc_a))
    assert other.status_code == 400
    delete_mode = {"resourceType": "Parameters", "parameter": [{"name": "mode", "valueCode": "delete"}]}
    assert client.post("/fhir/Observation/$validate", json=delete_mode, headers=auth(cast.doc_a)).status_code == 400
    assert client.post("/fhir/Observation/$validate", json=valid).status_code == 401
    assert client.get("/fhir/Observation?_summary=count", headers=cast.admin).get_json()["total"] == 0
    statement = client.get("/fhir/metadata").get_json()
    assert statement["rest"][0]["operation"][0]["name"] == "validate"


def test_summary_and_elements_subset_reads_and_searches(client, cast):
    obs = client.post("/fhir/Observation", json=observation(cast.p1, note=[{"text": "after a walk"}],
                                                            text={"status": "generated", "div": "<div>72</div>"}),
                      headers=auth(cast.doc_a)).get_json()
    url = f"/fhir/Observation/{obs['id']}"
    tag = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}
    summary = client.get(f"{url}?_summary=true", headers=cast.doc_a).get_json()
    assert {"status", "code", "subject", "valueQuantity"} <= set(summary) and not {"note", "text"} & set(summary)
    assert tag in summary["meta"]["tag"]
    text = client.get(f"{url}?_summary=text", headers=cast.doc_a).get_json()
    assert set(text) == {"resourceType", "id", "meta", "text", "status", "code"}  # status and code are 1..1
    data = client.get(f"{url}?_summary=data", headers=cast.doc_a).get_json()
    assert "text" not in data and "note" in data
    assert client.get(f"{url}?_summary=false", headers=cast.doc_a).get_json() == obs
    elements = client.get(f"{url}?_elements=note", headers=cast.doc_a).get_json()
    assert set(elements) == {"resourceType", "id", "meta", "note", "status", "code"}
    found = client.get("/fhir/Observation?_summary=true&_include=Observation:subject", headers=cast.doc_a).get_json()
    assert all(tag in e["resource"]["meta"]["tag"] for e in found["entry"] if e["search"]["mode"] != "outcome")
    assert {e["resource"]["resourceType"] for e in found["entry"]} == {"Observation", "Patient"}
    assert client.get(f"{url}?_summary=short", headers=cast.doc_a).status_code == 400
    assert client.get("/fhir/Observation?_summary=short", headers=cast.doc_a).status_code == 400
