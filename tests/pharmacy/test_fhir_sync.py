"""The FHIR resources derived from pharmacy's tables: MedicationRequest + Provenance on signing, status on
review, MedicationDispense exactly once on dispensing."""
import base64
from datetime import datetime

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from core import auth
from core.extensions import db
from pharmacy import canonical
from records import api as records
from records.errors import FhirError
from tests.pharmacy.conftest import AMLODIPINE, METFORMIN
from tests.pharmacy.fhir import resources


def test_signing_writes_requests_and_a_provenance_with_the_signature(app, client, world):
    patient_id, patient = world.patient()
    issued = world.prescribe(world.doctor(), patient_id, [AMLODIPINE, METFORMIN])
    requests_ = resources(app, "MedicationRequest", subject=f"Patient/{patient_id}")
    assert sorted(r["id"] for r in requests_) == [f"{issued['id']}-0", f"{issued['id']}-1"]
    first = next(r for r in requests_ if r["id"].endswith("-0"))
    assert first["status"] == "on-hold" and first["intent"] == "order"
    assert first["medicationCodeableConcept"]["coding"][0] == {
        "system": "http://www.whocc.no/atc", "code": "C08CA01", "display": "amlodipine 5 mg tablet"}
    assert first["requester"] == {"reference": "Practitioner/prac-1"}
    assert first["dispenseRequest"]["quantity"] == {"value": 28, "unit": "tablet"}
    provenance = resources(app, "Provenance", target=f"MedicationRequest/{issued['id']}-0")
    assert len(provenance) == 1
    signature = provenance[0]["signature"][0]
    assert signature["data"] == issued["signature"]["value"]
    # Anyone holding the public key can check the signature against the canonical form.
    check = client.get(f"/api/v1/prescriptions/{issued['id']}/verify", headers=patient).get_json()
    detail = client.get(f"/api/v1/prescriptions/{issued['id']}", headers=patient).get_json()
    document = canonical.prescription_document(
        detail["id"], detail["patient_id"], detail["practitioner_id"], detail["consultation_id"],
        datetime.fromisoformat(detail["issued_at"]),
        [{k: i[k] for k in canonical.ITEM_FIELDS} for i in detail["items"]])
    load_pem_public_key(check["public_key"].encode()).verify(base64.b64decode(signature["data"]),
                                                              canonical.canonical_bytes(document))


def test_review_sets_the_request_status(app, client, world):
    patient_id, _ = world.patient()
    doctor = world.doctor()
    approved = world.prescribe(doctor, patient_id)
    rejected = world.prescribe(doctor, patient_id)
    client.post(f"/api/v1/prescriptions/{approved['id']}/review", json={"decision": "approve"}, headers=world.reviewer)
    client.post(f"/api/v1/prescriptions/{rejected['id']}/review", json={"decision": "reject", "reason": "interaction"},
                headers=world.reviewer)
    by_id = {r["id"]: r for r in resources(app, "MedicationRequest", subject=f"Patient/{patient_id}")}
    assert by_id[f"{approved['id']}-0"]["status"] == "active"
    assert by_id[f"{rejected['id']}-0"]["status"] == "cancelled"
    assert by_id[f"{rejected['id']}-0"]["statusReason"] == {"text": "interaction"}


@pytest.mark.parametrize("mode", ["pickup", "delivery"])
def test_dispensing_twice_writes_one_medication_dispense_per_item(app, world, mode):
    world.pharmacy("shop", stock={"C08CA01": 100, "A10BA02": 100})
    pharmacist = world.pharmacist("shop")
    patient_id, patient = world.patient()
    oid = world.order(patient, world.approved(patient_id, [AMLODIPINE, METFORMIN]), mode=mode)["order_id"]
    world.act(pharmacist, oid, "accept")
    world.act(pharmacist, oid, "prepared")
    action = "picked-up" if mode == "pickup" else "out-for-delivery"
    assert [world.act(pharmacist, oid, action).status_code for _ in range(2)] == [200, 200]
    dispenses = resources(app, "MedicationDispense", subject=f"Patient/{patient_id}")
    assert len(dispenses) == 2
    assert {d["status"] for d in dispenses} == {"completed" if mode == "pickup" else "in-progress"}
    assert {d["performer"][0]["actor"]["identifier"]["value"] for d in dispenses} == {"shop"}
    assert {r["status"] for r in resources(app, "MedicationRequest", subject=f"Patient/{patient_id}")} == {"completed"}
    if mode == "delivery":
        world.act(pharmacist, oid, "delivered")
        world.act(pharmacist, oid, "delivered")
        dispenses = resources(app, "MedicationDispense", subject=f"Patient/{patient_id}")
        assert len(dispenses) == 2 and {d["status"] for d in dispenses} == {"completed"}
        assert all("whenHandedOver" in d for d in dispenses)


def test_the_serving_pharmacy_may_read_the_request_and_others_may_not(app, world):
    world.pharmacy("shop", stock={"C08CA01": 100})
    world.pharmacy("other")
    patient_id, patient = world.patient()
    order = world.order(patient, world.approved(patient_id))
    request_id = f"{order['prescription_id']}-0"
    with app.app_context():
        serving = auth.Actor("u1", "pharmacist", pharmacy_id="shop")
        assert records.read(serving, "MedicationRequest", request_id)["status"] == "active"
        with pytest.raises(FhirError) as denied:
            records.read(auth.Actor("u2", "pharmacist", pharmacy_id="other"), "MedicationRequest", request_id)
        assert denied.value.status == 403
        db.session.rollback()
