"""Bulk Data export through HTTP: a backend-services client exports a Group and reads the NDJSON; the
kick-off, polling, manifest, files, _type/_since/_typeFilter, cancel, expiry, and a runner that dies mid-way."""
import json
from datetime import timedelta

import pytest
import requests
from joserfc.jwk import RSAKey

from core import clock
from smart.bulk import runner
from tests.smart.helpers import observation, patient_with_records
from tests.smart.test_backend_services import ask_token, assertion, backend_client

pytestmark = pytest.mark.live
ASYNC = {"Prefer": "respond-async", "Accept": "application/fhir+json"}


def _system_token(client, live, admin, scope="system/*.rs"):
    key = RSAKey.generate_key(2048)
    client_id = backend_client(client, admin, key, scope=scope)
    answer = ask_token(live, assertion(key, client_id, f"{live}/oauth/token", "RS384"), scope=scope)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _group(client, admin, *patient_ids):
    group = {"resourceType": "Group", "type": "person", "actual": True,
             "member": [{"entity": {"reference": f"Patient/{p}"}} for p in patient_ids]}
    created = client.post("/fhir/Group", json=group, headers=admin)
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def _run(app, budget=10):
    with app.app_context():
        return runner.run_exports(budget_seconds=budget)


def _read_ndjson(url, headers):
    answer = requests.get(url, headers=headers)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/fhir+ndjson")
    return [json.loads(line) for line in answer.text.splitlines()]


def test_a_backend_client_exports_a_group_and_reads_the_ndjson(app, client, accounts, live_server):
    live = live_server.url
    _, admin = accounts.admin()
    member, member_headers = patient_with_records(client, accounts, admin)
    stranger, _ = patient_with_records(client, accounts, admin)
    group_id = _group(client, admin, member["patient_id"])
    token = _system_token(client, live, admin)
    # A Group names many patients: it is in nobody's compartment, so a member cannot read it.
    assert client.get(f"/fhir/Group/{group_id}", headers=member_headers).status_code == 403

    kick = requests.get(f"{live}/fhir/Group/{group_id}/$export", params={"_type": "Patient,Observation"},
                        headers={**ASYNC, **token})
    assert kick.status_code == 202, kick.text
    status_url = kick.headers["Content-Location"]
    waiting = requests.get(status_url, headers=token)
    assert waiting.status_code == 202 and "X-Progress" in waiting.headers

    _run(app)
    done = requests.get(status_url, headers=token)
    assert done.status_code == 200, done.text
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    by_type = {o["type"]: o for o in manifest["output"]}
    assert set(by_type) == {"Patient", "Observation"}
    patients = _read_ndjson(by_type["Patient"]["url"], token)
    observations = _read_ndjson(by_type["Observation"]["url"], token)
    assert [p["id"] for p in patients] == [member["patient_id"]]
    assert [o["subject"]["reference"] for o in observations] == [f"Patient/{member['patient_id']}"]
    assert by_type["Observation"]["count"] == 1
    assert stranger["patient_id"] not in json.dumps(patients + observations)

    # The files are the requester's: another backend client, or nobody, gets nothing.
    other = _system_token(client, live, admin)
    assert requests.get(by_type["Patient"]["url"], headers=other).status_code == 404
    assert requests.get(by_type["Patient"]["url"]).status_code == 401
    assert requests.get(status_url, headers=member_headers).status_code == 404
    # An administrator's first-party token may read any export.
    assert requests.get(status_url, headers=admin).status_code == 200

    # Every step is audited naming the backend client.
    with app.app_context():
        from sqlalchemy import select

        from core.extensions import db
        from core.models import AuditEntry

        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity.like("BulkExport/%"))).all()
        named = {e.action for e in entries if e.detail and json.loads(e.detail).get("client_id")}
    assert {"export_start", "export_completed", "export_manifest", "export_download"} <= named


def _with_a_second_observation(client, accounts, live):
    """(patient account, admin headers, system token): the patient has a second Observation, LOINC 8310-5."""
    _, admin = accounts.admin()
    account, _ = patient_with_records(client, accounts, admin)
    other = observation(account["patient_id"])
    other["code"]["coding"][0]["code"] = "8310-5"
    assert client.post("/fhir/Observation", json=other, headers=admin).status_code == 201
    return account, admin, _system_token(client, live, admin)


def test_type_since_and_type_filter(app, client, accounts, live_server):
    live = live_server.url
    account, admin, token = _with_a_second_observation(client, accounts, live)

    kick = requests.get(f"{live}/fhir/$export", headers={**ASYNC, **token}, params={
        "_type": "Observation", "_typeFilter": "Observation?code=http://loinc.org|8310-5"})
    assert kick.status_code == 202, kick.text
    _run(app)
    manifest = requests.get(kick.headers["Content-Location"], headers=token).json()
    [only] = manifest["output"]
    lines = _read_ndjson(only["url"], token)
    assert [o["code"]["coding"][0]["code"] for o in lines] == ["8310-5"]

    later = (clock.now() + timedelta(hours=1)).isoformat()
    kick = requests.get(f"{live}/fhir/Patient/$export", headers={**ASYNC, **token}, params={"_since": later})
    assert kick.status_code == 202
    _run(app)
    assert requests.get(kick.headers["Content-Location"], headers=token).json()["output"] == []


def test_bad_kickoffs_are_refused_with_an_operation_outcome(client, accounts, live_server):
    live = live_server.url
    _, admin = accounts.admin()
    _, patient = accounts.patient()
    token = _system_token(client, live, admin, scope="system/Observation.rs")
    cases = [
        ({**token}, {}, 400),  # no Prefer: respond-async
        ({**ASYNC, **token}, {"_type": "Condition"}, 403),  # outside the token's scopes
        ({**ASYNC, **token}, {"_type": "NoSuchType"}, 400),
        ({**ASYNC, **token}, {"_since": "yesterday"}, 400),
        ({**ASYNC, **token}, {"_outputFormat": "text/csv"}, 400),
        ({**ASYNC, **token}, {"includeAssociatedData": "x"}, 400),
        ({**ASYNC, **token}, {"_type": "Observation", "_typeFilter": "Observation?no-such-param=1"}, 400),
        ({**ASYNC, **token}, {"_type": "Observation", "_typeFilter": "Condition?code=1"}, 400),
        ({**ASYNC, **patient}, {}, 403),  # a patient's first-party token
        ({**ASYNC}, {}, 401),
    ]
    for headers, params, status in cases:
        answer = requests.get(f"{live}/fhir/$export", headers=headers, params=params)
        assert answer.status_code == status, (params, answer.text)
        assert answer.json()["resourceType"] == "OperationOutcome"
    missing = requests.get(f"{live}/fhir/Group/nope/$export", headers={**ASYNC, **admin})
    assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"


def test_cancel_and_expiry(app, client, accounts, live_server):
    live = live_server.url
    _, admin = accounts.admin()
    patient_with_records(client, accounts, admin)
    kick = requests.get(f"{live}/fhir/$export", headers={**ASYNC, **admin})
    status_url = kick.headers["Content-Location"]
    assert requests.delete(status_url, headers=admin).status_code == 202
    assert requests.get(status_url, headers=admin).status_code == 404
    assert _run(app) == {"exports": 0}

    kick = requests.get(f"{live}/fhir/$export", headers={**ASYNC, **admin})
    _run(app)
    manifest = requests.get(kick.headers["Content-Location"], headers=admin).json()
    url = manifest["output"][0]["url"]
    assert requests.get(url, headers=admin).status_code == 200
    clock.set_clock(lambda: clock.datetime.now(clock.timezone.utc) + timedelta(days=2))
    with app.app_context():
        assert runner.expire_exports()["expired"] >= 1
        from core.extensions import db
        db.session.commit()
    clock.set_clock(None)
    assert requests.get(url, headers=admin).status_code == 404
    assert requests.get(kick.headers["Content-Location"], headers=admin).status_code == 404


def test_a_runner_that_dies_mid_way_is_resumed_without_loss_or_duplicates(app, client, accounts, live_server,
                                                                          monkeypatch):
    live = live_server.url
    _, admin = accounts.admin()
    account, _ = patient_with_records(client, accounts, admin)
    for _ in range(6):
        assert client.post("/fhir/Observation", json=observation(account["patient_id"]),
                           headers=admin).status_code == 201
    monkeypatch.setitem(app.config, "SMART_BULK_PAGE_SIZE", 2)
    kick = requests.get(f"{live}/fhir/$export", headers={**ASYNC, **admin}, params={"_type": "Observation"})
    job_id = kick.headers["Content-Location"].rsplit("/", 1)[1]
    with app.app_context():
        from core.extensions import db
        from smart.models import BulkExport

        job = runner._claim()
        runner._write_page(job, runner.requester(job), position := {"type": 0, "filter": 0, "cursor": None,
                                                                    "offset": 0}, counts := {})
        job.position, job.output = json.dumps(position), json.dumps([{"type": "Observation", "count": 2}])
        db.session.commit()
        # The process dies after writing another page it never committed; its lease runs out.
        with open(runner.export_dir(job_id) / "Observation.ndjson", "ab") as out:
            out.write(b'{"resourceType":"Observation","id":"half-written"}\n')
        db.session.get(BulkExport, job_id).lease_until = clock.now() - timedelta(seconds=1)
        db.session.commit()
    _run(app)
    manifest = requests.get(kick.headers["Content-Location"], headers=admin).json()
    lines = _read_ndjson(manifest["output"][0]["url"], admin)
    ids = [o["id"] for o in lines]
    assert len(ids) == 7 == len(set(ids)) == manifest["output"][0]["count"] and "half-written" not in ids


def test_a_resource_matching_two_type_filters_is_exported_once(app, client, accounts, live_server):
    live = live_server.url
    account, admin, token = _with_a_second_observation(client, accounts, live)
    by_patient = f"Observation?subject=Patient/{account['patient_id']}"
    expected = {o["resource"]["id"] for o in client.get(f"/fhir/{by_patient}&_count=500", headers=admin)
                .get_json()["entry"]}
    assert len(expected) >= 2

    kick = requests.get(f"{live}/fhir/$export", headers={**ASYNC, **token}, params=[
        ("_type", "Observation"), ("_typeFilter", "Observation?code=http://loinc.org|8310-5"),
        ("_typeFilter", by_patient)])
    assert kick.status_code == 202, kick.text
    _run(app)
    [only] = requests.get(kick.headers["Content-Location"], headers=token).json()["output"]
    exported = [o["id"] for o in _read_ndjson(only["url"], token)]
    assert sorted(exported) == sorted(expected) and only["count"] == len(expected)


def _parameters(*pairs):
    return {"resourceType": "Parameters", "parameter": [{"name": name, **value} for name, value in pairs]}


def test_a_post_kick_off_takes_parameters_and_narrows_to_the_patients_named(app, client, accounts, live_server):
    live = live_server.url
    _, admin = accounts.admin()
    chosen, _ = patient_with_records(client, accounts, admin)
    other, _ = patient_with_records(client, accounts, admin)
    token = _system_token(client, live, admin)
    body = _parameters(("_type", {"valueString": "Patient,Observation"}),
                       ("patient", {"valueReference": {"reference": f"Patient/{chosen['patient_id']}"}}))

    kick = requests.post(f"{live}/fhir/Patient/$export", json=body, headers={**ASYNC, **token})
    assert kick.status_code == 202, kick.text
    _run(app)
    manifest = requests.get(kick.headers["Content-Location"], headers=token).json()
    assert manifest["request"].endswith("/fhir/Patient/$export")
    files = {o["type"]: _read_ndjson(o["url"], token) for o in manifest["output"]}
    assert [p["id"] for p in files["Patient"]] == [chosen["patient_id"]]
    assert {o["subject"]["reference"] for o in files["Observation"]} == {f"Patient/{chosen['patient_id']}"}

    group_id = _group(client, admin, other["patient_id"])  # the chosen patient is not a member: nothing
    kick = requests.post(f"{live}/fhir/Group/{group_id}/$export", json=body, headers={**ASYNC, **token})
    assert kick.status_code == 202, kick.text
    _run(app)
    assert requests.get(kick.headers["Content-Location"], headers=token).json()["output"] == []

    refused = [
        ("/fhir/$export", body, 400),  # patient is not for a system-level export
        ("/fhir/Patient/$export", {"resourceType": "Patient"}, 400),
        ("/fhir/Patient/$export", _parameters(("patient", {"valueReference": {"reference": "Group/1"}})), 400),
        ("/fhir/Patient/$export", _parameters(("patient", {"valueReference": {"reference": "Patient/nobody"}})), 404),
        ("/fhir/Patient/$export", _parameters(("_type", {"valueString": "Observation", "valueInstant": "x"})), 400),
        ("/fhir/Patient/$export", _parameters(("includeAssociatedData", {"valueString": "x"})), 400),
        ("/fhir/Patient/$export", _parameters(("_since", {"valueInstant": "yesterday"})), 400),
    ]
    for path, sent, status in refused:
        answer = requests.post(f"{live}{path}", json=sent, headers={**ASYNC, **token})
        assert answer.status_code == status, (sent, answer.text)
        assert answer.json()["resourceType"] == "OperationOutcome"
    in_url = requests.post(f"{live}/fhir/Patient/$export?_type=Patient", json=_parameters(), headers={**ASYNC, **token})
    assert in_url.status_code == 400


def test_a_patient_exports_their_own_record_one_export_at_a_time(app, client, accounts, live_server):
    live = live_server.url
    _, admin = accounts.admin()
    me, mine = patient_with_records(client, accounts, admin)
    stranger, _ = patient_with_records(client, accounts, admin)

    kick = requests.get(f"{live}/fhir/Patient/$export", headers={**ASYNC, **mine})
    assert kick.status_code == 202, kick.text
    again = requests.get(f"{live}/fhir/Patient/$export", headers={**ASYNC, **mine})
    assert again.status_code == 429 and again.json()["resourceType"] == "OperationOutcome"
    _run(app)
    manifest = requests.get(kick.headers["Content-Location"], headers=mine).json()
    files = {o["type"]: _read_ndjson(o["url"], mine) for o in manifest["output"]}
    assert [p["id"] for p in files["Patient"]] == [me["patient_id"]]
    assert {"Observation", "Condition"} <= set(files)
    assert stranger["patient_id"] not in json.dumps(files)

    group_id = _group(client, admin, me["patient_id"])
    for method, path, body in (("GET", "/fhir/$export", None), ("GET", f"/fhir/Group/{group_id}/$export", None),
                               ("POST", "/fhir/Patient/$export", _parameters(
                                   ("patient", {"valueReference": {"reference": f"Patient/{stranger['patient_id']}"}})))):
        answer = requests.request(method, f"{live}{path}", json=body, headers={**ASYNC, **mine})
        assert answer.status_code == 403, (path, answer.text)
    assert requests.get(f"{live}/fhir/Patient/$export", headers={**ASYNC, **mine}).status_code == 202  # done: again
