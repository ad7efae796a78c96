"""The FHIR REST interactions through HTTP (http://hl7.org/fhir/R4/http.html)."""
import json

from tests.records.fhir.conftest import FHIR_JSON, auth, observation, system_write


def create_obs(client, headers, patient_id, **kwargs):
    r = client.post("/fhir/Observation", json=observation(patient_id, **kwargs), headers=auth(headers))
    assert r.status_code == 201, r.get_json()
    return r


def test_create_returns_location_etag_and_last_modified(client, cast):
    r = create_obs(client, cast.doc_a, cast.p1)
    body = r.get_json()
    assert r.mimetype == FHIR_JSON
    assert r.headers["Location"] == f"http://localhost/fhir/Observation/{body['id']}/_history/1"
    assert r.headers["ETag"] == 'W/"1"'
    assert r.headers["Last-Modified"].endswith("GMT")
    assert body["meta"]["versionId"] == "1"


def test_read_gives_etag(client, cast):
    oid = create_obs(client, cast.doc_a, cast.p1).get_json()["id"]
    r = client.get(f"/fhir/Observation/{oid}", headers=cast.doc_a)
    assert r.status_code == 200 and r.headers["ETag"] == 'W/"1"'
    assert r.get_json()["subject"]["reference"] == f"Patient/{cast.p1}"


def test_read_missing_is_404_outcome(client, cast):
    r = client.get("/fhir/Observation/nope", headers=cast.admin)
    assert r.status_code == 404 and r.mimetype == FHIR_JSON
    assert r.get_json()["resourceType"] == "OperationOutcome"


def test_unknown_type_is_404(client, cast):
    r = client.get("/fhir/Spaceship/1", headers=cast.admin)
    assert r.status_code == 404 and r.get_json()["issue"][0]["code"] == "not-supported"


def test_update_then_vread_both_versions(client, cast):
    created = create_obs(client, cast.doc_a, cast.p1).get_json()
    changed = {**created, "valueQuantity": {**created["valueQuantity"], "value": 80}}
    r = client.put(f"/fhir/Observation/{created['id']}", json=changed, headers=auth(cast.doc_a, **{"If-Match": 'W/"1"'}))
    assert r.status_code == 200 and r.headers["ETag"] == 'W/"2"'
    v1 = client.get(f"/fhir/Observation/{created['id']}/_history/1", headers=cast.doc_a)
    v2 = client.get(f"/fhir/Observation/{created['id']}/_history/2", headers=cast.doc_a)
    assert v1.get_json()["valueQuantity"]["value"] == 72 and v2.get_json()["valueQuantity"]["value"] == 80


def test_stale_if_match_is_412(client, cast):
    created = create_obs(client, cast.doc_a, cast.p1).get_json()
    r = client.put(f"/fhir/Observation/{created['id']}", json=created, headers=auth(cast.doc_a, **{"If-Match": 'W/"7"'}))
    assert r.status_code == 412 and r.get_json()["resourceType"] == "OperationOutcome"


def test_update_as_create_is_201(client, cast):
    resource = {**observation(cast.p1), "id": "client-chosen-1"}
    r = client.put("/fhir/Observation/client-chosen-1", json=resource, headers=auth(cast.doc_a))
    assert r.status_code == 201 and r.headers["Location"].endswith("/Observation/client-chosen-1/_history/1")


def test_update_id_mismatch_is_400(client, cast):
    resource = {**observation(cast.p1), "id": "other"}
    assert client.put("/fhir/Observation/x1", json=resource, headers=auth(cast.doc_a)).status_code == 400


def test_delete_then_read_is_410(client, cast):
    oid = create_obs(client, cast.doc_a, cast.p1).get_json()["id"]
    assert client.delete(f"/fhir/Observation/{oid}", headers=cast.doc_a).status_code == 204
    assert client.get(f"/fhir/Observation/{oid}", headers=cast.doc_a).status_code == 410


def test_conditional_create(client, cast):
    resource = observation(cast.p1, identifier=[{"system": "urn:lab", "value": "42"}])
    headers = auth(cast.doc_a, **{"If-None-Exist": "identifier=urn:lab|42"})
    first = client.post("/fhir/Observation", json=resource, headers=headers)
    again = client.post("/fhir/Observation", json=resource, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    client.post("/fhir/Observation", json=resource, headers=auth(cast.doc_a))  # a second match
    assert client.post("/fhir/Observation", json=resource, headers=headers).status_code == 412


def test_history_instance_type_and_system(client, cast):
    created = create_obs(client, cast.doc_a, cast.p1).get_json()
    client.put(f"/fhir/Observation/{created['id']}", json=created, headers=auth(cast.doc_a))
    r = client.get(f"/fhir/Observation/{created['id']}/_history", headers=cast.doc_a)
    bundle = r.get_json()
    assert bundle["type"] == "history" and bundle["total"] == 2
    assert [e["request"]["method"] for e in bundle["entry"]] == ["PUT", "POST"]
    assert client.get("/fhir/Observation/_history", headers=cast.admin).get_json()["total"] == 2
    assert client.get("/fhir/_history?_count=1", headers=cast.admin).get_json()["link"][1]["relation"] == "next"


def test_search_paging_with_absolute_links(client, cast):
    for value in range(5):
        create_obs(client, cast.doc_a, cast.p1, value=value)
    r = client.get("/fhir/Observation?code=http://loinc.org|8867-4&_count=2", headers=cast.doc_a)
    bundle = r.get_json()
    assert bundle["type"] == "searchset" and bundle["total"] == 5 and len(bundle["entry"]) == 2
    links = {link["relation"]: link["url"] for link in bundle["link"]}
    assert links["self"].startswith("http://localhost/fhir/Observation?")
    assert bundle["entry"][0]["fullUrl"].startswith("http://localhost/fhir/Observation/")
    seen = [e["resource"]["id"] for e in bundle["entry"]]
    while "next" in links:
        asked = links["next"]
        page = client.get(asked.replace("http://localhost", ""), headers=cast.doc_a).get_json()
        seen += [e["resource"]["id"] for e in page.get("entry", [])]
        links = {link["relation"]: link["url"] for link in page["link"]}
        assert links["self"] == asked and "previous" in links
    assert len(set(seen)) == 5


def test_post_search_with_form_body(client, cast):
    create_obs(client, cast.doc_a, cast.p1)
    r = client.post("/fhir/Observation/_search", data={"code": "8867-4"},
                    headers={**cast.doc_a, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and r.get_json()["total"] == 1


def test_unsupported_param_listed_in_outcome_entry(client, cast):
    r = client.get("/fhir/Observation?bogus=1", headers=cast.doc_a)
    outcome = [e for e in r.get_json().get("entry", []) if e["search"]["mode"] == "outcome"]
    assert r.status_code == 200 and outcome and "bogus" in json.dumps(outcome)


def test_unsupported_param_strict_is_400(client, cast):
    r = client.get("/fhir/Observation?bogus=1", headers={**cast.doc_a, "Prefer": "handling=strict"})
    assert r.status_code == 400 and r.get_json()["resourceType"] == "OperationOutcome"


def test_base_url_with_and_without_trailing_slash(client, cast):
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": []}
    assert client.post("/fhir", json=bundle, headers=auth(cast.admin)).status_code == 200
    assert client.post("/fhir/", json=bundle, headers=auth(cast.admin)).status_code == 200


def test_prefer_return_minimal_and_outcome(client, cast):
    minimal = client.post("/fhir/Observation", json=observation(cast.p1),
                          headers=auth(cast.doc_a, Prefer="return=minimal"))
    assert minimal.status_code == 201 and minimal.data == b"" and minimal.headers["Location"]
    outcome = client.post("/fhir/Observation", json=observation(cast.p1),
                          headers=auth(cast.doc_a, Prefer="return=OperationOutcome"))
    assert outcome.get_json()["resourceType"] == "OperationOutcome"


def test_public_base_url_and_forwarded_headers(app, client, cast):
    app.config["PUBLIC_BASE_URL"] = "https://records.example.cn"
    try:
        r = create_obs(client, cast.doc_a, cast.p1)
    finally:
        app.config["PUBLIC_BASE_URL"] = None
    assert r.headers["Location"].startswith("https://records.example.cn/fhir/Observation/")


def test_format_and_pretty(client, cast):
    r = client.get("/fhir/metadata?_format=json&_pretty=true")
    assert r.status_code == 200 and b"\n  " in r.data
    assert client.get("/fhir/metadata?_format=application/fhir%2Bjson").status_code == 200
    assert client.get("/fhir/metadata?_format=xml").status_code == 406
    assert client.get("/fhir/metadata", headers={"Accept": "application/fhir+xml"}).status_code == 406
    accepted = client.get("/fhir/metadata", headers={"Accept": "application/fhir+json; fhirVersion=4.0"})
    assert accepted.status_code == 200


def test_content_types_accepted(client, cast):
    for content_type in ("application/json", "application/fhir+json; fhirVersion=4.0"):
        r = client.post("/fhir/Observation", data=json.dumps(observation(cast.p1)),
                        headers={**cast.doc_a, "Content-Type": content_type})
        assert r.status_code == 201, content_type


def test_malformed_json_is_400(client, cast):
    r = client.post("/fhir/Observation", data="{not json", headers=auth(cast.doc_a))
    assert r.status_code == 400 and r.get_json()["resourceType"] == "OperationOutcome"


def test_invalid_resource_names_the_element(client, cast):
    bad = {**observation(cast.p1), "status": 12, "bogusElement": True}
    r = client.post("/fhir/Observation", json=bad, headers=auth(cast.doc_a))
    assert r.status_code in (400, 422)
    assert r.get_json()["issue"][0]["expression"]


def test_no_token_is_401_with_challenge(client):
    r = client.get("/fhir/Patient")
    assert r.status_code == 401 and "Bearer" in r.headers["WWW-Authenticate"]
    assert r.get_json()["resourceType"] == "OperationOutcome"


def test_wrong_method_is_405_outcome(client, cast):
    r = client.post("/fhir/Observation/abc", json={}, headers=auth(cast.admin))
    assert r.status_code == 405 and r.get_json()["resourceType"] == "OperationOutcome"


def test_body_too_large_is_413_outcome(app, client, cast):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        r = client.post("/fhir/Observation", data="x" * 5000, headers=auth(cast.doc_a))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024
    assert r.status_code == 413 and r.get_json()["resourceType"] == "OperationOutcome"


def test_nothing_stored_on_error(app, client, cast):
    bad = {**observation(cast.p1), "bogusElement": "x"}
    assert client.post("/fhir/Observation", json=bad, headers=auth(cast.doc_a)).status_code in (400, 422)
    assert client.post("/fhir/Observation", json=observation(cast.p2), headers=auth(cast.doc_a)).status_code == 403
    assert client.get("/fhir/Observation", headers=cast.admin).get_json()["total"] == 0


def test_everything_is_paged(client, cast):
    for value in range(3):
        create_obs(client, cast.doc_a, cast.p1, value=value)
    r = client.get(f"/fhir/Patient/{cast.p1}/$everything?_count=2", headers=cast.doc_a)
    bundle = r.get_json()
    assert r.status_code == 200 and bundle["type"] == "searchset" and len(bundle["entry"]) >= 2
    nxt = next(link["url"] for link in bundle["link"] if link["relation"] == "next")
    assert "/fhir/Patient/" in nxt and "$everything" in nxt
    rest = client.get(nxt.replace("http://localhost", ""), headers=cast.doc_a).get_json()
    ids = {e["resource"]["id"] for b in (bundle, rest) for e in b.get("entry", [])
           if e.get("search", {}).get("mode") == "match"}
    assert cast.p1 in ids


def test_registration_writes_the_patient(client, cast):
    patient = client.get(f"/fhir/Patient/{cast.p1}", headers=cast.p1_headers).get_json()
    assert patient["name"][0] == {"use": "official", "text": "张伟", "family": "张", "given": ["伟"]}
    assert patient["identifier"][0]["system"] == "urn:oid:2.16.156.10011.1.5"
    assert patient["identifier"][0]["type"]["coding"][0]["code"] == "NI"
    assert patient["telecom"][0]["use"] == "mobile" and patient["birthDate"] == "1980-05-17"


def test_forwarded_headers_through_proxyfix(app, client, cast):
    from werkzeug.middleware.proxy_fix import ProxyFix

    original = app.wsgi_app
    app.wsgi_app = ProxyFix(original, x_for=1, x_proto=1, x_host=1)  # as TRUST_PROXY_HOPS=1 configures
    try:
        r = client.post("/fhir/Observation", json=observation(cast.p1),
                        headers=auth(cast.doc_a, **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "h.example"}))
    finally:
        app.wsgi_app = original
    assert r.headers["Location"].startswith("https://h.example/fhir/Observation/")


def test_history_since_filters_versions(client, cast):
    created = create_obs(client, cast.doc_a, cast.p1).get_json()
    url = f"/fhir/Observation/{created['id']}/_history"
    assert client.get(f"{url}?_since=2000-01-01T00:00:00Z", headers=cast.doc_a).get_json()["total"] == 1
    assert client.get(f"{url}?_since=2999-01-01T00:00:00Z", headers=cast.doc_a).get_json()["total"] == 0
    assert client.get(f"{url}?_since=yesterday", headers=cast.doc_a).status_code == 400
    entry = client.get(url, headers=cast.doc_a).get_json()["entry"][0]
    assert entry["response"]["lastModified"].endswith("Z") and entry["response"]["etag"] == 'W/"1"'
