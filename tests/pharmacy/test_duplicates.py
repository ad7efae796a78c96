"""One live prescription per medicine and consultation: strict quantities, distinct items, Idempotency-Key,
no duplicate prescription (even from simultaneous submissions), replacement on purpose only."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from core.extensions import db
from pharmacy.models import Prescription
from tests.pharmacy.conftest import AMLODIPINE, METFORMIN
from tests.pharmacy.fhir import resources


def _count(app, consultation_id):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Prescription)
                                 .where(Prescription.consultation_id == consultation_id))


def _issue(world, doctor, consultation_id, items=(AMLODIPINE,), **extra):
    return world.client.post("/api/v1/prescriptions", headers={**doctor, **extra.pop("headers", {})},
                             json={"consultation_id": consultation_id, "items": list(items), **extra})


@pytest.mark.parametrize("field,value", [("quantity", 1.5), ("quantity", "28"), ("days_supply", 27.5)])
def test_fractional_or_textual_counts_are_refused_not_truncated(app, world, field, value):
    patient_id, _ = world.patient()
    cid = world.consultation(patient_id)
    r = _issue(world, world.doctor(), cid, [{**AMLODIPINE, field: value}])
    assert r.status_code == 422, r.get_json()
    assert field in str(r.get_json())
    assert _count(app, cid) == 0


def test_an_item_list_names_each_medicine_once(app, world):
    patient_id, _ = world.patient()
    cid = world.consultation(patient_id)
    twice = [AMLODIPINE, {**AMLODIPINE, "code": " c08ca01 ", "quantity": 14}]
    r = _issue(world, world.doctor(), cid, twice)
    assert r.status_code == 422 and r.get_json()["code"] == "duplicate_items"
    assert r.get_json()["codes"] == ["C08CA01"]
    assert _count(app, cid) == 0


def test_a_second_prescription_for_the_same_medicine_is_refused_naming_the_first(app, world):
    patient_id, _ = world.patient()
    doctor, cid = world.doctor(), world.consultation(patient_id)
    first = _issue(world, doctor, cid).get_json()
    again = _issue(world, doctor, cid, [METFORMIN, {**AMLODIPINE, "quantity": 56}])
    assert again.status_code == 409, again.get_json()
    problem = again.get_json()
    assert problem["code"] == "duplicate_prescription"
    assert problem["existing"] == [first["id"]] and problem["codes"] == ["C08CA01"]
    other = _issue(world, doctor, cid, [METFORMIN])  # another medicine is a prescription of its own
    assert other.status_code == 201
    assert _count(app, cid) == 2


def test_a_rejected_prescription_does_not_block_a_new_one(world):
    patient_id, _ = world.patient()
    doctor, cid = world.doctor(), world.consultation(patient_id)
    first = _issue(world, doctor, cid).get_json()
    r = world.client.post(f"/api/v1/prescriptions/{first['id']}/review", headers=world.reviewer,
                          json={"decision": "reject", "reason": "dose too high"})
    assert r.status_code == 200
    assert _issue(world, doctor, cid).status_code == 201


def test_replacing_withdraws_the_first_from_review_and_from_the_record(app, world):
    patient_id, patient = world.patient()
    doctor, cid = world.doctor(), world.consultation(patient_id)
    first = _issue(world, doctor, cid).get_json()
    second = _issue(world, doctor, cid, [{**AMLODIPINE, "quantity": 14}], replaces=first["id"])
    assert second.status_code == 201, second.get_json()
    second = second.get_json()
    assert second["replaces"] == first["id"] and second["status"] == "pending_review"
    assert world.client.get(f"/api/v1/prescriptions/{first['id']}", headers=patient).get_json()["status"] == "replaced"
    queue = world.client.get("/api/v1/reviews", headers=world.reviewer).get_json()["items"]
    assert first["id"] not in {p["id"] for p in queue} and second["id"] in {p["id"] for p in queue}
    late = world.client.post(f"/api/v1/prescriptions/{first['id']}/review", headers=world.reviewer,
                             json={"decision": "approve"})
    assert late.status_code == 409 and late.get_json()["current_status"] == "replaced"
    assert world.order(patient, first["id"], expect=409)["code"] == "not_approved"
    by_id = {r["id"]: r for r in resources(app, "MedicationRequest", subject=f"Patient/{patient_id}")}
    old, new = by_id[f"{first['id']}-0"], by_id[f"{second['id']}-0"]
    assert old["status"] == "cancelled" and second["id"] in old["statusReason"]["text"]
    assert new["status"] == "on-hold" and new["priorPrescription"] == {"reference": f"MedicationRequest/{old['id']}"}
    assert _issue(world, doctor, cid, replaces=first["id"]).get_json()["code"] == "not_replaceable"


def test_a_prescription_being_filled_cannot_be_replaced(world):
    world.pharmacy("shop", stock={"C08CA01": 100})
    patient_id, patient = world.patient()
    doctor, cid = world.doctor(), world.consultation(patient_id)
    first = _issue(world, doctor, cid).get_json()
    world.client.post(f"/api/v1/prescriptions/{first['id']}/review", headers=world.reviewer, json={"decision": "approve"})
    order = world.order(patient, first["id"])
    r = _issue(world, doctor, cid, replaces=first["id"])
    assert r.status_code == 409 and r.get_json()["code"] == "in_fulfilment"
    assert r.get_json()["order_id"] == order["order_id"]


def test_replaces_must_name_a_prescription_of_the_same_consultation(world):
    patient_id, _ = world.patient()
    doctor = world.doctor()
    elsewhere = _issue(world, doctor, world.consultation(patient_id)).get_json()
    cid = world.consultation(patient_id)
    for replaces in (elsewhere["id"], "no-such-prescription"):
        r = _issue(world, doctor, cid, replaces=replaces)
        assert r.status_code == 422 and r.get_json()["code"] == "unknown_replaced_prescription"


def test_an_idempotency_key_replays_the_first_answer(app, world):
    patient_id, _ = world.patient()
    doctor, cid = world.doctor(), world.consultation(patient_id)
    key = {"Idempotency-Key": "rx-1"}
    first = _issue(world, doctor, cid, headers=key)
    again = _issue(world, doctor, cid, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    other_body = _issue(world, doctor, cid, [METFORMIN], headers=key)
    assert other_body.status_code == 422 and other_body.get_json()["code"] == "idempotency_key_reused"
    assert _count(app, cid) == 1


def _race(url, headers, body, n):
    barrier = threading.Barrier(n)

    def shoot(_):
        session = requests.Session()
        barrier.wait(timeout=30)
        r = session.post(url, headers=headers, json=body, timeout=120)
        return r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(shoot, range(n)))


@pytest.mark.live
@pytest.mark.parametrize("key", [None, "rx-race"])
def test_simultaneous_submissions_make_one_prescription(app, live_server, world, key):
    patient_id, _ = world.patient()
    doctor, cid = world.doctor(), world.consultation(patient_id)
    headers = {**doctor, **({"Idempotency-Key": key} if key else {})}
    results = _race(f"{live_server.url}/api/v1/prescriptions", headers,
                    {"consultation_id": cid, "items": [AMLODIPINE]}, 5)
    statuses = sorted(status for status, _ in results)
    assert all(status < 500 for status in statuses), results
    assert _count(app, cid) == 1
    created = {body["id"] for status, body in results if status == 201}
    assert len(created) == 1
    if key is None:  # the others were told which prescription already exists
        assert statuses == [201, 409, 409, 409, 409]
        assert all(body["code"] == "duplicate_prescription" and body["existing"] == sorted(created)
                   for status, body in results if status == 409)
    else:  # the others get the first answer, or are told to retry while it is in progress
        assert all(status == 201 or body["code"] == "request_in_progress" for status, body in results)
