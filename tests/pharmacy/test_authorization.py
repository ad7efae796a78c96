"""Who sees what: patients their own, doctors what they issued, pharmacists their pharmacy's orders."""
from sqlalchemy import select

from core import auth
from core.extensions import db
from core.models import AuditEntry


def test_patient_b_cannot_read_patient_a_prescription(app, client, world):
    a_id, a = world.patient()
    _, b = world.patient()
    issued = world.prescribe(world.doctor(), a_id)
    assert client.get(f"/api/v1/prescriptions/{issued['id']}", headers=a).status_code == 200
    assert client.get(f"/api/v1/prescriptions/{issued['id']}", headers=b).status_code == 404
    assert client.get(f"/api/v1/prescriptions/{issued['id']}/verify", headers=b).status_code == 404
    with app.app_context():
        outcomes = db.session.scalars(select(AuditEntry.outcome).where(
            AuditEntry.entity == f"Prescription/{issued['id']}")).all()
    assert "denied" in outcomes and "success" in outcomes


def test_another_doctor_and_other_pharmacists_cannot_read_a_prescription(client, world):
    patient_id, _ = world.patient()
    issued = world.prescribe(world.doctor(), patient_id)
    world.pharmacy("elsewhere")
    for headers in (world.doctor("prac-9"), world.pharmacist("elsewhere")):
        assert client.get(f"/api/v1/prescriptions/{issued['id']}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/prescriptions/{issued['id']}", headers=world.reviewer).status_code == 200


def test_only_reviewers_see_the_queue_and_review(client, world):
    patient_id, patient = world.patient()
    issued = world.prescribe(world.doctor(), patient_id)
    world.pharmacy("shop")
    shop = world.pharmacist("shop")
    assert client.get("/api/v1/reviews", headers=shop).status_code == 403
    assert client.get("/api/v1/reviews", headers=patient).status_code == 403
    r = client.post(f"/api/v1/prescriptions/{issued['id']}/review", json={"decision": "approve"}, headers=shop)
    assert r.status_code == 403


def test_a_pharmacist_of_another_pharmacy_cannot_see_or_accept_the_order(app, client, world):
    world.pharmacy("chosen", stock={"C08CA01": 100})
    world.pharmacy("far", lat=30.5, lon=122.0, stock={"C08CA01": 100})
    chosen, far = world.pharmacist("chosen"), world.pharmacist("far")
    patient_id, patient = world.patient()
    _, other_patient = world.patient()
    order = world.order(patient, world.approved(patient_id))
    assert order["pharmacy"]["id"] == "chosen"
    oid = order["order_id"]
    assert client.get("/api/v1/pharmacy/orders", headers=far).get_json()["items"] == []
    assert client.get(f"/api/v1/orders/{oid}", headers=far).status_code == 404
    assert client.get(f"/api/v1/orders/{oid}", headers=other_patient).status_code == 404
    assert world.act(far, oid, "accept").status_code == 404
    assert world.act(far, oid, "decline", reason="not mine").status_code == 404
    assert client.post(f"/api/v1/orders/{oid}/cancel", headers=other_patient).status_code == 404
    assert world.act(chosen, oid, "accept").status_code == 200
    assert world.act(far, oid, "prepared").status_code == 404
    # The serving pharmacy may now read the prescription; the relationship and scope say so too.
    assert client.get(f"/api/v1/prescriptions/{order['prescription_id']}", headers=chosen).status_code == 200
    with app.app_context():
        actor = auth.Actor("u", "pharmacist", pharmacy_id="chosen")
        assert auth.has_relationship(actor, "pharmacy_serves_patient", f"Patient/{patient_id}")
        assert auth.patients_in_scope(actor) >= {patient_id}
        stranger = auth.Actor("u", "pharmacist", pharmacy_id="far")
        assert not auth.has_relationship(stranger, "pharmacy_serves_patient", patient_id)
        assert patient_id not in auth.patients_in_scope(stranger)


def test_stock_is_for_the_pharmacys_own_pharmacists(client, world):
    world.pharmacy("a", stock={"C08CA01": 5})
    world.pharmacy("b")
    b = world.pharmacist("b")
    assert client.get("/api/v1/pharmacies/a/stock", headers=b).status_code == 404
    assert client.put("/api/v1/pharmacies/a/stock", json={"items": [{"code": "C08CA01", "on_hand": 1}]},
                      headers=b).status_code == 404
    assert client.get("/api/v1/pharmacies/b/stock", headers=b).status_code == 200
