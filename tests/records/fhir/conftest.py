"""Fixtures for the FHIR API tests: a cast of patients, doctors, a pharmacist and an admin, and
helpers that write setup data as the system actor."""
from types import SimpleNamespace

import pytest

from core.auth import SYSTEM
from core.extensions import db
from records import api

FHIR_JSON = "application/fhir+json"


def system_write(app, *resources):
    """Store resources as the system actor (PUT when they carry an id) and commit; return them."""
    saved = []
    with app.app_context():
        for resource in resources:
            if resource.get("id"):
                saved.append(api.update(SYSTEM, resource["resourceType"], resource["id"], resource)[0])
            else:
                saved.append(api.create(SYSTEM, resource))
        db.session.commit()
    return saved


def observation(patient_id, code="8867-4", value=72, performer=None, **extra):
    """A heart-rate-like Observation for `patient_id`."""
    resource = {"resourceType": "Observation", "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                "subject": {"reference": f"Patient/{patient_id}"},
                "valueQuantity": {"value": value, "unit": "/min", "system": "http://unitsofmeasure.org",
                                  "code": "/min"}, **extra}
    if performer:
        resource["performer"] = [{"reference": performer}]
    return resource


def auth(headers, **more):
    """Bearer headers plus FHIR JSON content type."""
    return {**headers, "Content-Type": FHIR_JSON, **more}


@pytest.fixture()
def cast(app, accounts):
    """Two patients, two doctors (A cares for patient 1 by an Encounter, B for patient 2 as family
    doctor), a pharmacist and an admin."""
    p1, p1_headers = accounts.patient(name="张伟")
    p2, p2_headers = accounts.patient(name="李娜")
    _, doc_a = accounts.staff("doctor", "doctora", practitioner_id="pract-a")
    _, doc_b = accounts.staff("doctor", "doctorb", practitioner_id="pract-b")
    _, pharmacist = accounts.staff("pharmacist", "pharma", pharmacy_id="pharmacy-1")
    _, admin = accounts.admin()
    system_write(
        app,
        {"resourceType": "Practitioner", "id": "pract-a", "name": [{"text": "Doctor A"}]},
        {"resourceType": "Practitioner", "id": "pract-b", "name": [{"text": "Doctor B"}]},
        {"resourceType": "Encounter", "status": "finished",
         "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR"},
         "subject": {"reference": f"Patient/{p1['patient_id']}"},
         "participant": [{"individual": {"reference": "Practitioner/pract-a"}}]},
    )
    with app.app_context():
        patient2 = api.read(SYSTEM, "Patient", p2["patient_id"])
        patient2["generalPractitioner"] = [{"reference": "Practitioner/pract-b"}]
        api.update(SYSTEM, "Patient", p2["patient_id"], patient2)
        db.session.commit()
    return SimpleNamespace(p1=p1["patient_id"], p2=p2["patient_id"], p1_headers=p1_headers, p2_headers=p2_headers,
                           doc_a=doc_a, doc_b=doc_b, pharmacist=pharmacist, admin=admin)


@pytest.fixture(scope="session")
def live_server(app):
    """The app on a loopback port (threaded), for the real FHIR clients."""
    from tests.live import LiveServer

    server = LiveServer(app).start()
    yield server
    server.stop()
