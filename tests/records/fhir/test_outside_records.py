"""Resources of the types the clinic and pharmacy derive (MedicationRequest, MedicationDispense,
Appointment, Slot, Schedule) sent from outside are ordinary records: created, updated with client ids,
versioned, searched, deleted, audited, under the usual access rules; they never become clinic or pharmacy
state, and they cannot take the marks that make a resource one of our views."""
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from pharmacy.models import Prescription
from tests.records.fhir.conftest import auth

OTHER_HOSPITAL = "urn:oid:2.16.840.1.113883.3.9999.1"  # another institution's prescription numbers


def _medication_request(patient_id, **extra):
    return {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "identifier": [{"system": OTHER_HOSPITAL, "value": "RX-2024-0042"}],
            "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                      "code": "197361", "display": "Amlodipine 5 MG Oral Tablet"}]},
            "subject": {"reference": f"Patient/{patient_id}"}, "authoredOn": "2024-03-01", **extra}


def _count(app, model):
    with app.app_context():
        found = db.session.scalar(select(func.count()).select_from(model))
        db.session.commit()
    return found


def test_an_outside_prescription_is_history_with_every_interaction(app, client, cast):
    created = client.post("/fhir/MedicationRequest", json=_medication_request(cast.p1), headers=auth(cast.doc_a))
    assert created.status_code == 201, created.get_json()
    rx = created.get_json()
    url = f"/fhir/MedicationRequest/{rx['id']}"
    updated = client.put(url, json={**rx, "status": "completed"}, headers=auth(cast.doc_a))
    assert updated.status_code == 200 and updated.get_json()["meta"]["versionId"] == "2"
    history = client.get(f"{url}/_history", headers=cast.doc_a).get_json()
    assert [e["resource"]["status"] for e in history["entry"]] == ["completed", "active"]
    found = client.get(f"/fhir/MedicationRequest?patient={cast.p1}&status=completed", headers=cast.doc_a).get_json()
    assert [e["resource"]["id"] for e in found["entry"]] == [rx["id"]]
    assert client.get(f"/fhir/Patient/{cast.p1}/$everything", headers=cast.doc_a).get_data(as_text=True).count(
        rx["id"]) >= 1
    assert client.delete(url, headers=cast.doc_a).status_code == 204
    assert _count(app, Prescription) == 0  # an outside order is never one this service fulfils
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == f"MedicationRequest/{rx['id']}", AuditEntry.outcome == "success")).all()
        db.session.commit()
    assert {"create", "update", "delete"} <= set(actions)


def test_the_usual_access_rules_hold_for_outside_records(client, cast):
    refused = client.post("/fhir/MedicationRequest", json=_medication_request(cast.p1), headers=auth(cast.doc_b))
    assert refused.status_code == 403  # doctor B does not care for patient 1
    assert client.post("/fhir/MedicationRequest", json=_medication_request(cast.p1),
                       headers=auth(cast.p1_headers)).status_code == 403  # not self-reported data
    rx = client.post("/fhir/MedicationRequest", json=_medication_request(cast.p1), headers=auth(cast.doc_a)).get_json()
    assert client.get(f"/fhir/MedicationRequest/{rx['id']}", headers=cast.p1_headers).status_code == 200
    assert client.get(f"/fhir/MedicationRequest/{rx['id']}", headers=cast.p2_headers).status_code in (403, 404)


def test_client_ids_create_outside_records_of_every_view_type(client, cast):
    patient, practitioner = {"reference": f"Patient/{cast.p1}"}, {"reference": "Practitioner/pract-a"}
    resources = [
        (cast.doc_a, _medication_request(cast.p1, id="hospb-rx-42")),
        (cast.doc_a, {"resourceType": "MedicationDispense", "id": "hospb-disp-42", "status": "completed",
                      "medicationCodeableConcept": {"text": "Amlodipine 5 mg"}, "subject": patient}),
        (cast.doc_a, {"resourceType": "Appointment", "id": "hospb-appt-7", "status": "fulfilled",
                      "participant": [{"actor": patient, "status": "accepted"},
                                      {"actor": practitioner, "status": "accepted"}]}),
        (cast.admin, {"resourceType": "Schedule", "id": "hospb-schedule-1", "actor": [practitioner]}),
        (cast.admin, {"resourceType": "Slot", "id": "hospb-slot-1",
                      "schedule": {"reference": "Schedule/hospb-schedule-1"},
                      "status": "free", "start": "2027-01-04T09:00:00+08:00", "end": "2027-01-04T09:15:00+08:00"}),
    ]
    for headers, resource in resources:
        url = f"/fhir/{resource['resourceType']}/{resource['id']}"
        response = client.put(url, json=resource, headers=auth(headers))
        assert response.status_code == 201, (url, response.get_json())
        assert client.get(url, headers=headers).get_json()["meta"]["versionId"] == "1"


def test_an_outside_appointment_grants_no_care_relationship(client, cast):
    """Care here comes from this clinic's bookings, not from another system's Appointment."""
    appointment = {"resourceType": "Appointment", "status": "booked",
                   "participant": [{"actor": {"reference": f"Patient/{cast.p1}"}, "status": "accepted"},
                                   {"actor": {"reference": "Practitioner/pract-b"}, "status": "accepted"}]}
    assert client.post("/fhir/Appointment", json=appointment, headers=auth(cast.admin)).status_code == 201
    assert client.get(f"/fhir/Patient/{cast.p1}", headers=cast.doc_b).status_code in (403, 404)


def test_outside_records_cannot_take_the_marks_of_our_views(app, client, cast):
    ours = _medication_request(cast.p1)
    ours["identifier"].append({"system": "urn:cloud-hospital:prescription", "value": "forged#1"})
    refused = client.post("/fhir/MedicationRequest", json=ours, headers=auth(cast.doc_a))
    assert refused.status_code == 403 and "/api/v1/prescriptions" in refused.get_json()["issue"][0]["diagnostics"]
    rx = client.post("/fhir/MedicationRequest", json=_medication_request(cast.p1), headers=auth(cast.doc_a)).get_json()
    relabelled = {**rx, "identifier": ours["identifier"]}
    assert client.put(f"/fhir/MedicationRequest/{rx['id']}", json=relabelled, headers=auth(cast.doc_a)).status_code == 403
    dispense = {"resourceType": "MedicationDispense", "status": "completed", "medicationCodeableConcept": {"text": "x"},
                "subject": {"reference": f"Patient/{cast.p1}"},
                "identifier": [{"system": "urn:cloud-hospital:dispense", "value": "forged#1"}]}
    assert client.post("/fhir/MedicationDispense", json=dispense, headers=auth(cast.admin)).status_code == 403
    for resource_type, resource_id in (("Slot", "slot-77"), ("Schedule", "schedule-77"), ("Appointment", "appt-77")):
        body = {"resourceType": resource_type, "id": resource_id, "status": "free", "schedule": {"reference": "Schedule/x"},
                "start": "2027-01-04T09:00:00+08:00", "end": "2027-01-04T09:15:00+08:00"} if resource_type == "Slot" else \
            {"resourceType": resource_type, "id": resource_id, "actor": [{"reference": "Practitioner/pract-a"}]} \
            if resource_type == "Schedule" else \
            {"resourceType": resource_type, "id": resource_id, "status": "booked",
             "participant": [{"actor": {"reference": "Practitioner/pract-a"}, "status": "accepted"}]}
        response = client.put(f"/fhir/{resource_type}/{resource_id}", json=body, headers=auth(cast.admin))
        assert response.status_code == 403, (resource_type, response.get_json())
        assert client.get(f"/fhir/{resource_type}/{resource_id}", headers=cast.admin).status_code == 404


def test_a_patient_history_from_another_hospital_ingests_whole(client, cast):
    """A Synthea-style transaction: Encounter, Condition, Observation, MedicationRequest and Procedure
    referring to each other by urn:uuid, all stored, all found by searching the patient."""
    subject = {"reference": f"Patient/{cast.p1}"}
    encounter = {"resourceType": "Encounter", "status": "finished", "subject": subject,
                 "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                 "period": {"start": "2023-05-02T09:00:00+08:00", "end": "2023-05-02T09:30:00+08:00"}}
    in_encounter = {"subject": subject, "encounter": {"reference": "urn:uuid:enc-1"}}
    entries = [
        ("urn:uuid:enc-1", encounter),
        ("urn:uuid:cond-1", {"resourceType": "Condition", **in_encounter, "code": {"coding": [
            {"system": "http://snomed.info/sct", "code": "38341003", "display": "Hypertension"}]},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]}}),
        ("urn:uuid:obs-1", {"resourceType": "Observation", **in_encounter, "status": "final",
                            "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                            "valueQuantity": {"value": 152, "unit": "mm[Hg]", "system": "http://unitsofmeasure.org",
                                              "code": "mm[Hg]"}}),
        ("urn:uuid:rx-1", _medication_request(cast.p1, encounter={"reference": "urn:uuid:enc-1"},
                                              reasonReference=[{"reference": "urn:uuid:cond-1"}])),
        ("urn:uuid:proc-1", {"resourceType": "Procedure", **in_encounter, "status": "completed",
                             "code": {"coding": [{"system": "http://snomed.info/sct", "code": "46973005"}]}}),
    ]
    bundle = {"resourceType": "Bundle", "type": "transaction",
              "entry": [{"fullUrl": url, "resource": resource,
                         "request": {"method": "POST", "url": resource["resourceType"]}} for url, resource in entries]}
    response = client.post("/fhir", json=bundle, headers=auth(cast.admin))
    assert response.status_code == 200, response.get_json()
    assert all(e["response"]["status"].startswith("201") for e in response.get_json()["entry"])
    encounter_ref = response.get_json()["entry"][0]["response"]["location"].split("/_history")[0]
    for resource_type in ("Condition", "Observation", "MedicationRequest", "Procedure"):
        found = client.get(f"/fhir/{resource_type}?patient={cast.p1}&encounter={encounter_ref}",
                           headers=cast.doc_a).get_json()
        assert len(found.get("entry", [])) == 1, (resource_type, found)
