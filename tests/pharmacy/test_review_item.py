"""The pharmacist's review item through the app API: the patient facts read from the record at submission,
the pre-review flags with their reasons and citations, a decision on each, and approval gated on them."""
from datetime import date, datetime, timezone

from sqlalchemy import select

from core import clock
from core.extensions import db
from core.models import AuditEntry
from tests.pharmacy.conftest import AMLODIPINE

ATC = "http://www.whocc.no/atc"
FHIR = {"Content-Type": "application/fhir+json"}
NIFEDIPINE = {"code": "C08CA05", "dose": "30 mg", "frequency": "once daily", "route": "oral", "quantity": 28,
              "days_supply": 28}
HCTZ_TOO_MUCH = {"code": "C03AA03", "dose": "25 mg", "frequency": "three times daily", "route": "oral",
                 "quantity": 84, "days_supply": 28}


def _record(client, world, resource):
    """Write a clinical record entry through /fhir (as an administrator: a doctor with care would do it)."""
    r = client.post(f"/fhir/{resource['resourceType']}", json=resource, headers={**world.admin, **FHIR})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _allergy(client, world, patient_id, text, status="active"):
    return _record(client, world, {
        "resourceType": "AllergyIntolerance", "patient": {"reference": f"Patient/{patient_id}"},
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                                       "code": status}]},
        "code": {"text": text}, "criticality": "high"})


def _condition(client, world, patient_id, code, display, status="active"):
    return _record(client, world, {
        "resourceType": "Condition", "subject": {"reference": f"Patient/{patient_id}"},
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": status}]},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": code, "display": display}]}})


def _decide(client, world, prescription_id, number, decision, reason=None, headers=None):
    body = {"decision": decision, **({"reason": reason} if reason is not None else {})}
    return client.post(f"/api/v1/prescriptions/{prescription_id}/review/flags/{number}", json=body,
                       headers=headers or world.reviewer)


def _approve(client, world, prescription_id):
    return client.post(f"/api/v1/prescriptions/{prescription_id}/review", json={"decision": "approve"},
                       headers=world.reviewer)


def test_the_review_item_carries_the_record_facts_and_flags_with_reasons(app, client, world):
    patient_id, _ = world.patient()
    allergy = _allergy(client, world, patient_id, "Sulfa drugs")
    _allergy(client, world, patient_id, "penicillin", status="resolved")  # no longer: not a fact for the review
    _condition(client, world, patient_id, "I10", "Essential hypertension")
    _condition(client, world, patient_id, "J06.9", "Upper respiratory infection", status="resolved")
    earlier = world.approved(patient_id)  # amlodipine: now a current medicine (MedicationRequest active)
    issued = world.prescribe(world.doctor(), patient_id, items=(NIFEDIPINE, HCTZ_TOO_MUCH))

    item = world.review_item(issued["id"])
    facts = item["facts"]
    assert facts["patient"]["age_years"] >= 40 and facts["patient"]["sex"] in ("male", "female")
    assert [a["ref"] for a in facts["allergies"]] == [f"AllergyIntolerance/{allergy}"]
    assert [c["name"] for c in facts["conditions"]] == ["Essential hypertension"]
    assert [(m["ref"], m["status"]) for m in facts["medicines"]] == [(f"MedicationRequest/{earlier}-0", "active")]
    assert facts["incomplete"] == []

    flags = {(f["code"], f["item_position"]): f for f in item["flags"]}
    assert set(flags) == {("duplicate_therapy", 0), ("allergy_match", 1), ("dose_above_maximum", 1)}
    assert f"MedicationRequest/{earlier}-0" in flags["duplicate_therapy", 0]["reason"]
    assert "Sulfa drugs" in flags["allergy_match", 1]["reason"] and "sulfonamides" in flags["allergy_match", 1]["reason"]
    assert "75 mg a day" in flags["dose_above_maximum", 1]["reason"]
    assert all(f["citation"]["source"] and f["decision"] is None for f in item["flags"])
    assert item["undecided"] == [1, 2, 3] and item["approvable"] is False
    assert item["prescription"]["id"] == issued["id"]
    with app.app_context():  # the reviewer's read of the item is audited as a read of the patient's data
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == f"Prescription/{issued['id']}/review"))
        assert entry.patient_ref == f"Patient/{patient_id}" and entry.action == "read" and entry.role == "pharmacist"
        gathered = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == f"Patient/{patient_id}",
                                                                AuditEntry.role == "doctor")).all()
        assert any("pharmacist review" in (e.detail or "") for e in gathered)


def test_approval_needs_every_flag_decided_and_none_upheld(client, world, notes):
    patient_id, _ = world.patient()
    _allergy(client, world, patient_id, "磺胺类药物")
    issued = world.prescribe(world.doctor(), patient_id, items=(HCTZ_TOO_MUCH,))
    pid = issued["id"]
    assert world.review_item(pid)["undecided"] == [1, 2]

    refused = _approve(client, world, pid)
    assert refused.status_code == 409 and refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.get_json()["code"] == "flags_undecided" and refused.get_json()["undecided"] == [1, 2]

    no_reason = _decide(client, world, pid, 1, "override", reason="  ")
    assert no_reason.status_code == 422 and no_reason.get_json()["code"] == "reason_required"
    decided = _decide(client, world, pid, 1, "override", "tolerated co-trimoxazole in 2024 without reaction")
    assert decided.status_code == 200 and decided.get_json()["changed"] is True
    assert decided.get_json()["flag"]["decision"]["reason"].startswith("tolerated")
    assert _approve(client, world, pid).get_json()["undecided"] == [2]

    assert _decide(client, world, pid, 2, "uphold").get_json()["flag"]["decision"]["decision"] == "upheld"
    item = world.review_item(pid)
    assert item["undecided"] == [] and item["approvable"] is False
    refused = _approve(client, world, pid)
    assert refused.status_code == 409 and refused.get_json() | {"upheld": [2]} == refused.get_json()
    assert refused.get_json()["code"] == "flags_upheld"
    assert not [n for n in notes if n[0] == "prescription.approved"]
    rejected = client.post(f"/api/v1/prescriptions/{pid}/review", headers=world.reviewer,
                           json={"decision": "reject", "reason": "75 mg a day: ask the doctor for 25 mg once daily"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"


def test_a_flag_is_decided_once_and_only_while_the_prescription_waits(client, world):
    patient_id, _ = world.patient()
    issued = world.prescribe(world.doctor(), patient_id,
                             items=({**AMLODIPINE, "dose": "10 mg", "frequency": "twice daily"},))
    pid = issued["id"]
    first = _decide(client, world, pid, 1, "override", "specialist titration")
    again = _decide(client, world, pid, 1, "override", "another reason")
    assert (first.get_json()["changed"], again.get_json()["changed"]) == (True, False)
    assert again.get_json()["flag"]["decision"]["reason"] == "specialist titration"  # the first stands
    contrary = _decide(client, world, pid, 1, "uphold")
    assert contrary.status_code == 409 and contrary.get_json()["code"] == "flag_already_decided"
    assert contrary.get_json()["decision"] == "overridden"
    for number in (2, 0, 99999999999):
        assert _decide(client, world, pid, number, "uphold").status_code == 404
    assert _decide(client, world, pid, 1, "maybe").status_code == 422
    assert _approve(client, world, pid).status_code == 200
    assert world.review_item(pid)["approvable"] is False  # approved: nothing left to approve

    later = world.prescribe(world.doctor(), patient_id,
                            items=({**AMLODIPINE, "dose": "10 mg", "frequency": "twice daily"},))
    client.post(f"/api/v1/prescriptions/{later['id']}/review", headers=world.reviewer,
                json={"decision": "reject", "reason": "dose"})
    late = _decide(client, world, later["id"], 1, "override", "too late")
    assert late.status_code == 409 and late.get_json()["code"] == "already_reviewed"


def test_the_snapshot_is_what_was_gathered_at_submission(client, world):
    patient_id, _ = world.patient()
    issued = world.prescribe(world.doctor(), patient_id)
    assert world.review_item(issued["id"])["flags"] == []
    _allergy(client, world, patient_id, "amlodipine")  # recorded after submission
    item = world.review_item(issued["id"])
    assert item["facts"]["allergies"] == [] and item["flags"] == [] and item["approvable"] is True
    # a new prescription reads the record again
    again = world.prescribe(world.doctor(), patient_id, items=({**AMLODIPINE, "code": "C09CA01", "dose": "50 mg"},))
    assert [f["code"] for f in world.review_item(again["id"])["flags"]] == []  # losartan: no allergy, no duplicate
    third = world.prescribe(world.doctor(), patient_id, items=(NIFEDIPINE,))
    assert {f["code"] for f in world.review_item(third["id"])["flags"]} == {"allergy_match", "duplicate_therapy"}


def test_age_limits_use_the_age_on_the_day_of_submission(client, accounts, world):
    clock.set_clock(lambda: datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))
    account, _ = accounts.patient(born=date(2021, 3, 3))  # 4 today, 5 tomorrow
    issued = world.prescribe(world.doctor(), account["patient_id"])
    [flag] = world.review_item(issued["id"])["flags"]
    assert flag["code"] == "age_below_minimum" and "The patient is 4" in flag["reason"]
    assert world.review_item(issued["id"])["facts"]["patient"]["age_years"] == 4


def test_only_reviewers_see_review_items_and_decide_flags(client, world):
    patient_id, patient = world.patient()
    issued = world.prescribe(world.doctor(), patient_id, items=({**AMLODIPINE, "frequency": "every 4 hours"},))
    world.pharmacy("corner")
    for headers in (world.pharmacist("corner"), patient, world.doctor()):
        assert client.get(f"/api/v1/prescriptions/{issued['id']}/review", headers=headers).status_code == 403
        assert _decide(client, world, issued["id"], 1, "uphold", headers=headers).status_code == 403
    assert client.get("/api/v1/prescriptions/nope/review", headers=world.reviewer).status_code == 404
    assert _decide(client, world, "nope", 1, "uphold").status_code == 404


def test_a_medicine_another_hospital_recorded_counts_as_current(client, world):
    """A MedicationStatement from outside (issue 17: an ordinary record) is a current medicine of the review."""
    patient_id, _ = world.patient()
    statement = _record(client, world, {
        "resourceType": "MedicationStatement", "status": "active", "subject": {"reference": f"Patient/{patient_id}"},
        "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "C08CA01", "display": "amlodipine"}]},
        "effectiveDateTime": "2026-06-01", "dosage": [{"text": "5 mg once daily"}]})
    _record(client, world, {  # stopped: not current
        "resourceType": "MedicationStatement", "status": "stopped", "subject": {"reference": f"Patient/{patient_id}"},
        "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "C03AA03"}]}})
    issued = world.prescribe(world.doctor(), patient_id, items=(NIFEDIPINE,))
    item = world.review_item(issued["id"])
    assert [(m["ref"], m["dosage"]) for m in item["facts"]["medicines"]] == [
        (f"MedicationStatement/{statement}", "5 mg once daily")]
    flags = [f for f in item["flags"] if f["code"] == "duplicate_therapy"]
    assert len(flags) == 1 and f"MedicationStatement/{statement}" in flags[0]["reason"]
