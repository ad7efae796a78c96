"""Home nursing through HTTP: the nurse role placed at institutions, eligibility (a doctor's order for some
services, the window, the area), assignment to a nurse of the nearest institution, check-in and check-out with
position, the visit recorded (Encounter class HH, Procedure, Observations), the overdue-visit alert."""
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import requests

from core.scheduler import run_job

FHIR = {"Accept": "application/fhir+json"}
NEAR = (29.885, 121.56)  # beside the fixture's first institution (29.88, 121.55)


def _nurse(client, accounts, admin, institution_id, name):
    user_id, headers = accounts.staff("nurse", name)
    r = client.put("/api/v1/nursing/nurses", headers=admin, json={"user_id": user_id, "institution_id": institution_id})
    assert r.status_code == 200, r.get_json()
    return user_id, headers


def _request(client, patient, service="wound-care", start=None, hours=2, at=NEAR):
    start = start or datetime(2026, 3, 3, 1, tzinfo=timezone.utc)
    return client.post("/api/v1/nursing/requests", headers=patient, json={
        "service": service, "address": "12 Zhongshan Road, Haishu", "latitude": at[0], "longitude": at[1],
        "window_start": start.isoformat(), "window_end": (start + timedelta(hours=hours)).isoformat()})


def test_a_request_is_assigned_to_a_nurse_of_the_nearest_institution(client, team, accounts, world):
    institution_id, _, _, account, patient = team
    _, admin = accounts.admin()
    far = world.institution(latitude=30.25, longitude=120.15)
    near_nurse, _ = _nurse(client, accounts, admin, institution_id, "nurse_wang")
    busy_nurse, _ = _nurse(client, accounts, admin, institution_id, "nurse_li")
    _nurse(client, accounts, admin, far, "nurse_far")
    first = _request(client, patient)
    assert first.status_code == 201, first.get_json()
    second = _request(client, patient, start=datetime(2026, 3, 4, 1, tzinfo=timezone.utc)).get_json()
    assigned = {first.get_json()["visit"]["nurse_user_id"], second["visit"]["nurse_user_id"]}
    assert assigned == {near_nurse, busy_nurse}  # the least busy nurse of the nearest institution each time
    assert second["institution_id"] == institution_id and second["distance_km"] < 2
    nurse_headers = accounts.login("nurse_wang", "staffpass1")
    todo = client.get("/api/v1/nursing/visits", headers=nurse_headers).get_json()["items"]
    assert len(todo) == 1 and todo[0]["status"] == "scheduled"
    inbox = client.get("/api/v1/notifications", headers=nurse_headers).get_json()["items"]
    assert inbox[0]["kind"] == "nursing_visit_assigned"


def test_eligibility_needs_a_doctors_order_a_sane_window_and_the_area(client, team, accounts, world):
    institution_id, _, doctor, account, patient = team
    _, admin = accounts.admin()
    _nurse(client, accounts, admin, institution_id, "nurse_zhou")
    r = _request(client, patient, service="injection")
    assert r.status_code == 422 and [x["code"] for x in r.get_json()["reasons"]] == ["order_required"]
    r = _request(client, patient, start=datetime(2026, 3, 1, tzinfo=timezone.utc), hours=12, at=(31.23, 121.47))
    assert {x["code"] for x in r.get_json()["reasons"]} == {"window_past", "window_length", "out_of_area"}
    _, stranger = world.doctor([institution_id])
    order = {"patient_id": account["patient_id"], "service": "injection", "note": "enoxaparin 40 mg daily"}
    assert client.post("/api/v1/nursing/orders", headers=stranger, json=order).status_code == 403
    assert client.post("/api/v1/nursing/orders", headers=doctor, json=order).status_code == 201
    r = _request(client, patient, service="injection")
    assert r.status_code == 201 and r.get_json()["order_id"]
    again = _request(client, patient, service="injection", start=datetime(2026, 3, 5, 1, tzinfo=timezone.utc))
    assert [x["code"] for x in again.get_json()["reasons"]] == ["order_required"]  # an order is used once


def test_the_nurse_checks_in_and_out_and_the_visit_is_recorded(client, team, accounts, frozen):
    institution_id, _, _, account, patient = team
    _, admin = accounts.admin()
    _, nurse = _nurse(client, accounts, admin, institution_id, "nurse_sun")
    visit = _request(client, patient, service="post-discharge-check").get_json()["visit"]
    _, other_nurse = _nurse(client, accounts, admin, institution_id, "nurse_qian")  # a colleague, not assigned
    url = f"/api/v1/nursing/visits/{visit['id']}"
    early = client.post(f"{url}/check-out", headers=nurse, json={"latitude": NEAR[0], "longitude": NEAR[1]})
    assert early.status_code == 409
    assert client.post(f"{url}/check-in", headers=other_nurse, json={"latitude": 29.9, "longitude": 121.5}) \
        .status_code == 403
    frozen.advance(hours=23, minutes=10)
    nurse = accounts.login("nurse_sun", "staffpass1")  # a new day, a new token
    patient = accounts.login(account["phone"], account["password"])
    r = client.post(f"{url}/check-in", headers=nurse, json={"latitude": NEAR[0], "longitude": NEAR[1] + 0.001})
    assert r.status_code == 200 and r.get_json()["status"] == "in_progress" and r.get_json()["check_in_km"] < 0.2
    assert client.post(f"{url}/check-in", headers=nurse, json={"latitude": 1, "longitude": 1}).status_code == 409
    frozen.advance(minutes=50)
    bad = client.post(f"{url}/check-out", headers=nurse, json={"latitude": NEAR[0], "longitude": NEAR[1],
                                                              "observations": [{"code": "blood-pressure",
                                                                                "systolic": 500, "diastolic": 80}]})
    assert bad.status_code == 422
    done = client.post(f"{url}/check-out", headers=nurse, json={
        "latitude": NEAR[0], "longitude": NEAR[1], "procedure_note": "Wound clean, dressing changed",
        "observations": [{"code": "blood-pressure", "systolic": 134, "diastolic": 82},
                         {"code": "weight", "value": 71.2}]})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "completed"
    encounter = client.get(f"/fhir/{done.get_json()['encounter']}", headers={**patient, **FHIR}).get_json()
    assert encounter["class"]["code"] == "HH" and encounter["status"] == "finished"
    procedures = client.get(f"/fhir/Procedure?patient={account['patient_id']}", headers={**patient, **FHIR})
    assert [e["resource"]["encounter"]["reference"] for e in procedures.get_json()["entry"]] == [
        f"Encounter/{encounter['id']}"]
    observations = client.get(f"/fhir/Observation?encounter=Encounter/{encounter['id']}",
                              headers={**patient, **FHIR}).get_json()
    assert len(observations["entry"]) == 2
    mine = client.get(f"/api/v1/nursing/requests", headers=patient).get_json()["items"]
    assert mine[0]["status"] == "completed"


def test_a_visit_not_checked_out_in_time_alerts_the_institution(app, client, team, accounts, frozen):
    institution_id, _, _, account, patient = team
    _, admin = accounts.admin()
    _, nurse = _nurse(client, accounts, admin, institution_id, "nurse_wu")
    visit = _request(client, patient).get_json()["visit"]
    _nurse(client, accounts, admin, institution_id, "nurse_zheng")  # joins after: the colleague told
    frozen.advance(hours=23, minutes=30)
    nurse = accounts.login("nurse_wu", "staffpass1")
    r = client.post(f"/api/v1/nursing/visits/{visit['id']}/check-in", headers=nurse,
                    json={"latitude": NEAR[0], "longitude": NEAR[1]})
    assert r.status_code == 200
    frozen.advance(minutes=45 + 59)
    assert run_job(app, "clinic.nursing_overdue_visits") == 0  # 45 minutes planned + 60 of grace: not yet
    frozen.advance(minutes=2)
    assert run_job(app, "clinic.nursing_overdue_visits") == 1
    assert run_job(app, "clinic.nursing_overdue_visits") == 0  # alerted once
    colleague = accounts.login("nurse_zheng", "staffpass1")
    admin = accounts.login("admin", "staffpass1")
    for headers in (colleague, admin):
        alerts = [n for n in client.get("/api/v1/notifications", headers=headers).get_json()["items"]
                  if n["kind"] == "nursing_visit_overdue"]
        assert [a["data"]["visit_id"] for a in alerts] == [visit["id"]]


def test_two_check_ins_at_once_start_the_visit_once(client, team, accounts, live_server):
    """A double tap on a slow network: two concurrent check-ins over a live server, one 200 and one 409."""
    institution_id, _, _, _, patient = team
    _, admin = accounts.admin()
    _, nurse = _nurse(client, accounts, admin, institution_id, "nurse_feng")
    visit = _request(client, patient).get_json()["visit"]
    url = f"{live_server.url}/api/v1/nursing/visits/{visit['id']}/check-in"

    def check_in(_):
        return requests.post(url, headers=nurse, json={"latitude": NEAR[0], "longitude": NEAR[1]}, timeout=30)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(check_in, range(2)))
    assert sorted(a.status_code for a in answers) == [200, 409]


def test_the_nurse_reads_the_patients_record_while_the_visit_is_live_and_never_writes(client, team, accounts,
                                                                                     frozen):
    """During a scheduled or started visit the assigned nurse reads the Patient, conditions, medicines and
    observations (read, search); not Encounters, not $everything, no write; a colleague nothing; after
    check-out nothing more."""
    institution_id, _, doctor, account, patient = team
    _, admin = accounts.admin()
    patient_id = account["patient_id"]
    condition = {"resourceType": "Condition", "subject": {"reference": f"Patient/{patient_id}"},
                 "code": {"text": "Leg ulcer"}}
    created = client.post("/fhir/Condition", headers={**admin, **FHIR}, json=condition)
    assert created.status_code == 201, created.get_json()
    condition_id = created.get_json()["id"]
    nurses = {user_id: (name, headers) for name in ("nurse_he", "nurse_lu")
              for user_id, headers in [_nurse(client, accounts, admin, institution_id, name)]}
    visit = _request(client, patient, service="wound-care").get_json()["visit"]
    name, nurse = nurses.pop(visit["nurse_user_id"])  # the assigned one
    [(_, colleague)] = nurses.values()

    assert client.get(f"/fhir/Condition/{condition_id}", headers={**nurse, **FHIR}).status_code == 200
    assert client.get(f"/fhir/Patient/{patient_id}", headers={**nurse, **FHIR}).status_code == 200
    found = client.get(f"/fhir/Condition?patient={patient_id}", headers={**nurse, **FHIR}).get_json()
    assert [e["resource"]["id"] for e in found["entry"]] == [condition_id]
    assert client.get(f"/fhir/Condition/{condition_id}", headers={**colleague, **FHIR}).status_code == 403
    assert client.get(f"/fhir/Condition?patient={patient_id}", headers={**colleague, **FHIR}).get_json() \
        .get("entry", []) == []
    assert client.get(f"/fhir/Encounter?patient={patient_id}", headers={**nurse, **FHIR}).status_code == 403
    assert client.get(f"/fhir/Patient/{patient_id}/$everything", headers={**nurse, **FHIR}).status_code == 403
    edited = {**created.get_json(), "code": {"text": "Healed"}}
    assert client.put(f"/fhir/Condition/{condition_id}", headers={**nurse, **FHIR}, json=edited).status_code == 403

    url = f"/api/v1/nursing/visits/{visit['id']}"
    frozen.advance(hours=23, minutes=10)
    nurse = accounts.login(name, "staffpass1")  # a new day, a new token
    assert client.post(f"{url}/check-in", headers=nurse, json={"latitude": NEAR[0], "longitude": NEAR[1]}) \
        .status_code == 200
    assert client.get(f"/fhir/Condition/{condition_id}", headers={**nurse, **FHIR}).status_code == 200
    frozen.advance(minutes=40)
    assert client.post(f"{url}/check-out", headers=nurse, json={"latitude": NEAR[0], "longitude": NEAR[1]}) \
        .status_code == 200
    assert client.get(f"/fhir/Condition/{condition_id}", headers={**nurse, **FHIR}).status_code == 403
