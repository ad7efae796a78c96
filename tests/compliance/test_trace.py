"""GET /api/v1/trace/{prescription_id}: the whole chain with times, actors, the signature verified, FHIR resources."""
from tests.compliance.test_feed import _delivered_chain


def test_the_trace_of_a_delivered_prescription(app, client, world, regulator):
    patient_id, prescription_id = _delivered_chain(world)
    r = client.get(f"/api/v1/trace/{prescription_id}", headers=regulator)
    assert r.status_code == 200, r.get_json()
    trace = r.get_json()
    assert [s["kind"] for s in trace["steps"]] == ["prescription.signed", "prescription.approved",
                                                  "prescription.dispensed", "prescription.delivered"]
    assert [s["actor"]["role"] for s in trace["steps"]] == ["doctor", "pharmacist", "pharmacist", "pharmacist"]
    assert trace["signature"]["valid"] is True and trace["signature"]["public_key"].startswith("-----BEGIN")
    assert trace["prescription"]["patient_id"] == patient_id
    assert trace["orders"][0]["status"] == "delivered" and trace["orders"][0]["dispense"]["dispensed_at"]
    kinds = {item["reference"].split("/")[0]: item["resource"]["resourceType"] for item in trace["fhir"]
             if item["resource"]}
    assert {"MedicationRequest", "Provenance", "MedicationDispense"} <= set(kinds)
    assert all(kinds[k] == k for k in kinds)


def test_a_tampered_prescription_shows_an_invalid_signature(app, client, world, regulator):
    _, prescription_id = _delivered_chain(world)
    from core.extensions import db
    from pharmacy.models import PrescriptionItem

    with app.app_context():
        item = db.session.query(PrescriptionItem).filter_by(prescription_id=prescription_id).one()
        item.quantity = 280
        db.session.commit()
    trace = client.get(f"/api/v1/trace/{prescription_id}", headers=world.admin).get_json()
    assert trace["signature"]["valid"] is False


def test_unknown_prescription_and_other_roles(client, world, regulator):
    _, prescription_id = _delivered_chain(world)
    assert client.get("/api/v1/trace/nope", headers=regulator).status_code == 404
    assert client.get(f"/api/v1/trace/{prescription_id}", headers=world.reviewer).status_code == 403
    assert client.get(f"/api/v1/trace/{prescription_id}", headers=world.doctor()).status_code == 403
