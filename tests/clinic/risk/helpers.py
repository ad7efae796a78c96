"""Clinical history for risk-control tests, written through records like any domain would."""
from core.auth import SYSTEM
from core.extensions import db
from records import api as records

ICD10 = "http://hl7.org/fhir/sid/icd-10"


def give_history(app, patient_id, code="I10", encounter_class="AMB", with_provider=True):
    """An in-person Encounter at an institution and a Condition diagnosed there."""
    with app.app_context():
        org = records.create(SYSTEM, {"resourceType": "Organization", "name": "Haishu Community Health Centre"})
        encounter = {"resourceType": "Encounter", "status": "finished",
                     "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": encounter_class},
                     "subject": {"reference": f"Patient/{patient_id}"}}
        if with_provider:
            encounter["serviceProvider"] = {"reference": f"Organization/{org['id']}"}
        encounter = records.create(SYSTEM, encounter)
        records.create(SYSTEM, {
            "resourceType": "Condition", "subject": {"reference": f"Patient/{patient_id}"},
            "code": {"coding": [{"system": ICD10, "code": code}]},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "encounter": {"reference": f"Encounter/{encounter['id']}"}})
        db.session.commit()


def sign_protocol(client, headers):
    version = client.get("/api/v1/consents/protocol", headers=headers).get_json()["version"]
    r = client.post("/api/v1/consents", json={"protocol_version": version}, headers=headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


STABLE_VITALS = {"systolic_bp": 135, "diastolic_bp": 85, "heart_rate": 72, "temperature_c": 36.6, "spo2": 98}


def eligible_patient(app, client, accounts, code="I10", **kwargs):
    """A patient who may be treated online for `code`: diagnosed in person, protocol signed."""
    account, headers = accounts.patient(**kwargs)
    give_history(app, account["patient_id"], code=code)
    sign_protocol(client, headers)
    return account, headers
