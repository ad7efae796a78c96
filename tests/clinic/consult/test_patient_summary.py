"""The doctor in the room sees who the patient is: name, sex and age on the consultation, and the record in
brief (conditions, recent observations, current medicines, allergies, last encounters), read as the doctor
and audited; nobody else gets the summary."""
from sqlalchemy import select

from core.auth import SYSTEM
from core.extensions import db
from core.models import AuditEntry
from records import api as records
from tests.clinic.consult.helpers import make_doctor, start_consultation

ATC = "http://www.whocc.no/atc"


def _record(app, patient_id):
    subject = {"reference": f"Patient/{patient_id}"}
    resources = [
        {"resourceType": "Condition", "subject": subject, "onsetDateTime": "2019-03-01",
         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                        "code": "active"}]},
         "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11", "display": "Type 2 diabetes"}]}},
        {"resourceType": "Condition", "subject": subject,
         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                        "code": "resolved"}]},
         "code": {"text": "Sprained ankle"}},
        *[{"resourceType": "Observation", "status": "final", "subject": subject, "effectiveDateTime": f"2026-11-0{n}",
           "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic blood pressure"}]},
           "valueQuantity": {"value": 130 + n, "unit": "mmHg"}} for n in range(1, 4)],
        {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "subject": subject,
         "authoredOn": "2026-10-01", "dosageInstruction": [{"text": "500 mg twice daily"}],
         "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "A10BA02", "display": "metformin"}]}},
        {"resourceType": "MedicationRequest", "status": "stopped", "intent": "order", "subject": subject,
         "medicationCodeableConcept": {"text": "glimepiride"}},
        {"resourceType": "AllergyIntolerance", "patient": subject,
         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                                        "code": "active"}]},
         "code": {"text": "Penicillin"}, "criticality": "high",
         "reaction": [{"manifestation": [{"text": "Hives"}]}]},
        {"resourceType": "Encounter", "status": "finished", "subject": subject, "class": {"code": "AMB"},
         "period": {"start": "2026-11-20T09:00:00+08:00"}, "reasonCode": [{"text": "Diabetes review"}]},
    ]
    with app.app_context():
        for resource in resources:
            records.create(SYSTEM, resource)
        db.session.commit()


def test_the_consultation_says_who_the_patient_is(app, accounts, client, queue):
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    facts = consultation["patient"]
    assert facts["name"] == "Li Wei" and facts["sex"] in ("male", "female")
    assert facts["birth_date"] == "1980-05-17" and isinstance(facts["age"], int) and facts["age"] >= 46
    again = client.get(f"/api/v1/consultations/{consultation['id']}", headers=patient.headers).get_json()
    assert again["patient"] == facts


def test_the_doctor_reads_the_record_in_brief_and_every_part_is_audited(app, accounts, client, queue):
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    _record(app, patient.patient_id)
    r = client.get(f"/api/v1/consultations/{consultation['id']}/patient-summary", headers=doctor.headers)
    assert r.status_code == 200, r.get_json()
    summary = r.get_json()
    assert (summary["name"], summary["birth_date"]) == ("Li Wei", "1980-05-17")
    conditions = [c["name"] for c in summary["conditions"]["items"]]
    assert "Type 2 diabetes" in conditions and "Sprained ankle" not in conditions
    observations = summary["observations"]["items"]  # the triage's vitals of today come first
    assert [o["at"][:10] for o in observations] == sorted((o["at"][:10] for o in observations), reverse=True)
    assert [o["value"] for o in observations if o["value"].endswith(" mmHg")] == ["133 mmHg", "132 mmHg", "131 mmHg"]
    assert [(m["name"], m["dosage"]) for m in summary["medicines"]["items"]] == [("metformin", "500 mg twice daily")]
    assert summary["allergies"]["items"] == [{"substance": "Penicillin", "code": None, "criticality": "high",
                                              "reactions": ["Hives"]}]
    assert summary["encounters"]["items"][0]["reason"] == "Diabetes review"
    with app.app_context():
        searched = set(db.session.scalars(select(AuditEntry.entity).where(
            AuditEntry.user_id == doctor.user_id, AuditEntry.action == "search",
            AuditEntry.entity.contains(patient.patient_id))))
        viewed = db.session.scalars(select(AuditEntry).where(
            AuditEntry.user_id == doctor.user_id, AuditEntry.entity.endswith("/patient-summary"))).all()
    assert {e.split("?")[0] for e in searched} >= {"Condition", "Observation", "MedicationRequest",
                                                    "AllergyIntolerance", "Encounter"}
    assert [(v.patient_ref, v.outcome) for v in viewed] == [(f"Patient/{patient.patient_id}", "success")]


def test_only_the_consultations_doctor_gets_the_summary(app, accounts, client, queue):
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    url = f"/api/v1/consultations/{consultation['id']}/patient-summary"
    assert client.get(url, headers=patient.headers).status_code == 403
    other = make_doctor(app, accounts, username="drli")
    assert client.get(url, headers=other.headers).status_code == 403
    with app.app_context():
        denied = db.session.scalars(select(AuditEntry.user_id).where(AuditEntry.outcome == "denied")).all()
    assert other.user_id in denied
    assert client.get("/api/v1/consultations/no-such/patient-summary", headers=doctor.headers).status_code == 404
