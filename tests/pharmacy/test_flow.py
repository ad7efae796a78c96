"""The whole path through the API: prescribe, review, route, accept, prepare, pick up."""
from sqlalchemy import func, select

from core.extensions import db
from pharmacy.models import Dispense
from tests.pharmacy.conftest import AMLODIPINE, METFORMIN


def test_a_prescription_goes_from_doctor_to_patient(app, client, world, notes):
    world.pharmacy("near", stock={"C08CA01": 100, "A10BA02": 200})
    pharmacist = world.pharmacist("near")
    patient_id, patient = world.patient()
    doctor = world.doctor()
    issued = world.prescribe(doctor, patient_id, [AMLODIPINE, METFORMIN])
    assert issued["status"] == "pending_review"
    assert issued["signature"]["algorithm"] == "Ed25519" and issued["signature"]["value"]
    assert [i["display"] for i in issued["items"]] == ["amlodipine 5 mg tablet", "metformin 500 mg tablet"]

    queue = client.get("/api/v1/reviews", headers=world.reviewer).get_json()["items"]
    assert [p["id"] for p in queue] == [issued["id"]]
    r = client.post(f"/api/v1/prescriptions/{issued['id']}/review", json={"decision": "approve"}, headers=world.reviewer)
    assert r.status_code == 200 and r.get_json()["status"] == "approved"
    assert ("prescription.approved", [f"Patient/{patient_id}", "Practitioner/prac-1"]) in [n[:2] for n in notes]

    order = world.order(patient, issued["id"])
    assert order["status"] == "offered" and order["pharmacy"]["id"] == "near"
    listed = client.get("/api/v1/pharmacy/orders", headers=pharmacist).get_json()["items"]
    assert [o["id"] for o in listed] == [order["order_id"]]

    r = world.act(pharmacist, order["order_id"], "accept")
    assert r.status_code == 200 and r.get_json()["status"] == "accepted" and r.get_json()["changed"] is True
    assert world.stock("near", "C08CA01")["reserved"] == 28
    assert world.act(pharmacist, order["order_id"], "prepared").get_json()["status"] == "prepared"
    r = world.act(pharmacist, order["order_id"], "picked-up")
    assert r.status_code == 200 and r.get_json()["status"] == "picked_up"
    row = world.stock("near", "C08CA01")
    assert (row["on_hand"], row["reserved"]) == (72, 0)
    assert world.stock("near", "A10BA02")["on_hand"] == 144
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Dispense)) == 1
    mine = client.get(f"/api/v1/orders/{order['order_id']}", headers=patient).get_json()
    assert mine["status"] == "picked_up"
    assert "order.picked_up" in [n[0] for n in notes]
