"""Pharmacist review: approve, reject with a reason, idempotent repeats, conflicting answers."""
def test_rejection_needs_a_reason_and_tells_patient_and_doctor(client, world, notes):
    patient_id, patient = world.patient()
    issued = world.prescribe(world.doctor(), patient_id)
    url = f"/api/v1/prescriptions/{issued['id']}/review"
    assert client.post(url, json={"decision": "reject"}, headers=world.reviewer).status_code == 422
    r = client.post(url, json={"decision": "reject", "reason": "dose too high for age"}, headers=world.reviewer)
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    seen = client.get(f"/api/v1/prescriptions/{issued['id']}", headers=patient).get_json()
    assert seen["status"] == "rejected" and seen["review"]["reason"] == "dose too high for age"
    assert notes[-1][:2] == ("prescription.rejected", [f"Patient/{patient_id}", "Practitioner/prac-1"])
    # Only approved prescriptions are filled.
    assert world.order(patient, issued["id"], expect=409)["code"] == "not_approved"


def test_a_pending_prescription_is_not_routed(world):
    patient_id, patient = world.patient()
    issued = world.prescribe(world.doctor(), patient_id)
    assert world.order(patient, issued["id"], expect=409)["prescription_status"] == "pending_review"


def test_repeating_a_review_is_idempotent_and_a_contrary_one_conflicts(client, world, notes):
    patient_id, _ = world.patient()
    issued = world.prescribe(world.doctor(), patient_id)
    url = f"/api/v1/prescriptions/{issued['id']}/review"
    first = client.post(url, json={"decision": "approve"}, headers=world.reviewer)
    again = client.post(url, json={"decision": "approve"}, headers=world.reviewer)
    assert (first.get_json()["changed"], again.get_json()["changed"]) == (True, False)
    assert [n[0] for n in notes].count("prescription.approved") == 1
    r = client.post(url, json={"decision": "reject", "reason": "x"}, headers=world.reviewer)
    assert r.status_code == 409 and r.get_json()["code"] == "already_reviewed"
    assert client.get("/api/v1/reviews", headers=world.reviewer).get_json()["items"] == []
