"""Legal holds: held data cannot be deleted by a FHIR DELETE, a conditional delete or a transaction's DELETE
(409 OperationOutcome saying why); lifting the hold lets the deletion through; holds are admin-only and audited."""
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry
from tests.compliance.test_feed import _delivered_chain

FHIR = "application/fhir+json"


def _observation(client, admin, patient_id):
    r = client.post("/fhir/Observation", headers={**admin, "Content-Type": FHIR}, json={
        "resourceType": "Observation", "status": "final", "code": {"text": "pulse"},
        "subject": {"reference": f"Patient/{patient_id}"}, "valueQuantity": {"value": 70, "unit": "/min"}})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _hold(client, admin, target_type, target_id, reason="investigation 2026-17"):
    r = client.post("/api/v1/holds", json={"target_type": target_type, "target_id": target_id, "reason": reason},
                    headers=admin)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_held_patients_record_is_deleted_by_no_path(app, client, world):
    admin = world.admin
    patient_id, _ = world.patient()
    observation = _observation(client, admin, patient_id)
    hold = _hold(client, admin, "Patient", patient_id)
    r = client.delete(f"/fhir/Observation/{observation}", headers=admin)
    assert r.status_code == 409
    issue = r.get_json()["issue"][0]
    assert r.get_json()["resourceType"] == "OperationOutcome" and issue["code"] == "business-rule"
    assert hold["id"] in issue["diagnostics"] and "investigation 2026-17" in issue["diagnostics"]
    assert client.delete(f"/fhir/Observation?_id={observation}", headers=admin).status_code == 409
    bundle = {"resourceType": "Bundle", "type": "transaction",
              "entry": [{"request": {"method": "DELETE", "url": f"Observation/{observation}"}}]}
    r = client.post("/fhir", json=bundle, headers={**admin, "Content-Type": FHIR})
    assert r.status_code == 409, r.get_json()
    assert client.get(f"/fhir/Observation/{observation}", headers=admin).status_code == 200  # still there
    r = client.post(f"/api/v1/holds/{hold['id']}/lift", json={"reason": "case closed"}, headers=admin)
    assert r.status_code == 200 and r.get_json()["lifted_at"]
    assert client.post(f"/api/v1/holds/{hold['id']}/lift", json={"reason": "again"}, headers=admin).status_code == 409
    assert client.delete(f"/fhir/Observation/{observation}", headers=admin).status_code in (200, 204)
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.in_(("hold", "lift-hold")))
                                     .order_by(AuditEntry.id)).all()
    assert actions == ["hold", "lift-hold"]


def test_a_held_prescription_chain_keeps_its_resources(client, world):
    _, prescription_id = _delivered_chain(world)
    _hold(client, world.admin, "Prescription", prescription_id)
    r = client.delete(f"/fhir/MedicationRequest/{prescription_id}-0", headers=world.admin)
    assert r.status_code == 409 and "legal hold" in r.get_json()["issue"][0]["diagnostics"]
    r = client.delete(f"/fhir/Provenance/{prescription_id}-signature", headers=world.admin)
    assert r.status_code == 409


def test_holds_need_a_known_target_and_an_admin(client, world, regulator):
    assert client.post("/api/v1/holds", json={"target_type": "Patient", "target_id": "nobody", "reason": "x"},
                       headers=world.admin).status_code == 422
    assert client.post("/api/v1/holds", json={"target_type": "Patient", "target_id": "x", "reason": ""},
                       headers=world.admin).status_code == 422
    assert client.get("/api/v1/holds", headers=regulator).status_code == 403
    patient_id, patient = world.patient()
    assert client.post("/api/v1/holds", json={"target_type": "Patient", "target_id": patient_id, "reason": "x"},
                       headers=patient).status_code == 403
    hold = _hold(client, world.admin, "Patient", patient_id)
    listed = client.get("/api/v1/holds?active=true", headers=world.admin).get_json()["items"]
    assert [h["id"] for h in listed] == [hold["id"]]
