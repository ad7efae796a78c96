"""Derived views (records.derived): resources the clinic and pharmacy maintain from their tables are
read-only over FHIR for everyone but the system actor, in single interactions and in Bundles; the
domains' own writes go on; the doctor's clinical record stays writable, and so do resources of the
same types from outside (recognised as not ours: no reserved id prefix, no identifier system of ours)."""
import copy

import pytest
from sqlalchemy import func, select

from core.auth import SYSTEM, Actor
from core.extensions import db
from core.models import AuditEntry
from records import api, derived
from records.models import Resource, ResourceVersion
from tests.records.fhir.conftest import auth, observation, system_write

MESSAGE_SYSTEM = "urn:cloud-hospital:consultation-message"


def views(p1):
    """One resource per protected kind, shaped like the clinic's and pharmacy's sync writes them."""
    patient = {"reference": f"Patient/{p1}"}
    return [
        {"resourceType": "Appointment", "id": "appt-900", "status": "booked",
         "participant": [{"actor": patient, "status": "accepted"},
                         {"actor": {"reference": "Practitioner/pract-a"}, "status": "accepted"}]},
        {"resourceType": "MedicationRequest", "id": "rx900-1", "status": "active", "intent": "order",
         "identifier": [{"system": "urn:cloud-hospital:prescription", "value": "rx900#1"}],
         "medicationCodeableConcept": {"text": "Amlodipine 5mg"}, "subject": patient,
         "requester": {"reference": "Practitioner/pract-a"}},
        {"resourceType": "MedicationDispense", "id": "disp900-1", "status": "completed",
         "identifier": [{"system": "urn:cloud-hospital:dispense", "value": "disp900#1"}],
         "medicationCodeableConcept": {"text": "Amlodipine 5mg"}, "subject": patient},
        {"resourceType": "Consent", "id": "otp-900", "status": "active",
         "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "treatment"}]},
         "category": [{"coding": [{"system": "urn:cloud-hospital:consent-category",
                                   "code": "online-treatment-protocol"}]}],
         "patient": patient, "policy": [{"uri": "urn:cloud-hospital:online-treatment-protocol:v1"}]},
        {"resourceType": "Communication", "id": "msg-900", "status": "completed", "subject": patient,
         "identifier": [{"system": MESSAGE_SYSTEM, "value": "c900:1"}], "payload": [{"contentString": "Hello"}],
         "sender": patient, "recipient": [{"reference": "Practitioner/pract-a"}]},
    ]


@pytest.fixture()
def stored(app, cast):
    """The views, written by the system actor as the syncs do; {type: resource as stored}."""
    return {r["resourceType"]: r for r in system_write(app, *views(cast.p1))}


def _snapshot(app):
    with app.app_context():
        rows = db.session.execute(select(Resource.resource_type, Resource.id, Resource.version_id,
                                         Resource.deleted)).all()
        versions = db.session.scalar(select(func.count()).select_from(ResourceVersion))
        db.session.commit()
    return sorted(map(tuple, rows)), versions


def _refused(response):
    body = response.get_json()
    assert response.status_code == 403, body
    assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["code"] == "forbidden"
    assert "/api/v1/" in body["issue"][0]["diagnostics"] or "/consult" in body["issue"][0]["diagnostics"]
    return body["issue"][0]["diagnostics"]


@pytest.mark.parametrize("resource_type", ["Appointment", "MedicationRequest", "MedicationDispense", "Consent",
                                           "Communication"])
def test_a_caring_doctor_may_not_write_a_derived_view(app, client, cast, stored, resource_type):
    original = stored[resource_type]
    before = _snapshot(app)
    changed = {k: v for k, v in copy.deepcopy(original).items() if k != "meta"}
    changed["status"] = "entered-in-error" if resource_type != "Consent" else "inactive"
    url = f"/fhir/{resource_type}/{original['id']}"
    _refused(client.put(url, json=changed, headers=auth(cast.doc_a)))
    if resource_type != "Appointment":  # marked by content (an identifier system, a category): so is a copy
        created = {k: v for k, v in changed.items() if k != "id"}
        _refused(client.post(f"/fhir/{resource_type}", json=created, headers=auth(cast.doc_a)))
    _refused(client.delete(url, headers=cast.doc_a))
    assert _snapshot(app) == before
    now = client.get(url, headers=cast.doc_a)
    assert now.status_code == 200 and now.get_json() == original  # reads unchanged
    assert client.get(f"/fhir/{resource_type}?_id={original['id']}", headers=cast.doc_a).get_json()["total"] == 1


def test_the_refusal_names_the_app_api_path_and_is_audited_as_denied(app, client, cast, stored):
    appt = stored["Appointment"]
    diagnostics = _refused(client.delete(f"/fhir/Appointment/{appt['id']}", headers=cast.admin))
    assert "POST /api/v1/appointments" in diagnostics
    with app.app_context():
        entry = db.session.execute(select(AuditEntry.outcome, AuditEntry.role, AuditEntry.detail).where(
            AuditEntry.entity == f"Appointment/{appt['id']}", AuditEntry.action == "delete")).one()
        db.session.commit()
    assert entry[:2] == ("denied", "admin") and "/api/v1/appointments" in entry[2]


@pytest.mark.parametrize("who", ["admin", "p1_headers", "pharmacist"])
def test_nobody_but_the_system_writes_a_view(app, client, cast, stored, who):
    appt = {k: v for k, v in stored["Appointment"].items() if k != "meta"}
    before = _snapshot(app)
    response = client.put(f"/fhir/Appointment/{appt['id']}", json={**appt, "status": "cancelled"},
                          headers=auth(getattr(cast, who)))
    assert response.status_code == 403, response.get_json()
    unused = client.put("/fhir/Appointment/appt-901", json={**appt, "id": "appt-901"}, headers=auth(getattr(cast, who)))
    assert unused.status_code == 403, unused.get_json()  # the prefix is reserved, used or not
    assert _snapshot(app) == before


def test_a_new_resource_claiming_to_be_a_view_is_refused(app, client, cast, stored):
    """Creating a view out of nothing (a PUT to an unused derived id, a chat message) is refused too."""
    before = _snapshot(app)
    forged = {k: v for k, v in stored["Communication"].items() if k not in ("id", "meta")}
    _refused(client.post("/fhir/Communication", json=forged, headers=auth(cast.doc_a)))
    consent = {k: v for k, v in stored["Consent"].items() if k != "meta"}
    _refused(client.put("/fhir/Consent/otp-901", json={**consent, "id": "otp-901"}, headers=auth(cast.admin)))
    org = {"resourceType": "Organization", "id": "org-901", "name": "Not an institution"}
    _refused(client.put("/fhir/Organization/org-901", json=org, headers=auth(cast.admin)))
    assert _snapshot(app) == before


def test_what_is_not_a_view_stays_writable(app, client, cast, stored):
    note = {"resourceType": "Communication", "status": "completed", "subject": {"reference": f"Patient/{cast.p1}"},
            "payload": [{"contentString": "Please bring your blood-pressure diary."}]}
    assert client.post("/fhir/Communication", json=note, headers=auth(cast.doc_a)).status_code == 201
    saved = client.post("/fhir/Observation", json=observation(cast.p1, performer="Practitioner/pract-a"),
                        headers=auth(cast.doc_a))
    assert saved.status_code == 201
    obs = saved.get_json()
    assert client.put(f"/fhir/Observation/{obs['id']}", json={**obs, "status": "amended"},
                      headers=auth(cast.doc_a)).status_code == 200
    assert client.delete(f"/fhir/Observation/{obs['id']}", headers=cast.doc_a).status_code == 204
    other = {"resourceType": "Organization", "name": "A partner laboratory"}
    assert client.post("/fhir/Organization", json=other, headers=auth(cast.admin)).status_code == 201


def test_a_transaction_with_one_view_entry_is_rolled_back_entirely(app, client, cast, stored):
    before = _snapshot(app)
    appt = {k: v for k, v in stored["Appointment"].items() if k != "meta"}
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:obs-1", "resource": observation(cast.p1, performer="Practitioner/pract-a"),
         "request": {"method": "POST", "url": "Observation"}},
        {"resource": {**appt, "status": "cancelled"}, "request": {"method": "PUT", "url": f"Appointment/{appt['id']}"}},
    ]}
    response = client.post("/fhir", json=bundle, headers=auth(cast.doc_a))
    assert response.status_code == 403, response.get_json()
    assert "Bundle.entry[1]" in response.get_json()["issue"][0]["diagnostics"]
    assert _snapshot(app) == before


def test_a_batch_refuses_the_view_entry_and_does_the_others(app, client, cast, stored):
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [
        {"resource": observation(cast.p1, performer="Practitioner/pract-a"),
         "request": {"method": "POST", "url": "Observation"}},
        {"request": {"method": "DELETE", "url": f"MedicationRequest/{stored['MedicationRequest']['id']}"}},
    ]}
    response = client.post("/fhir", json=bundle, headers=auth(cast.doc_a))
    assert response.status_code == 200
    statuses = [e["response"]["status"] for e in response.get_json()["entry"]]
    assert statuses[0].startswith("201") and statuses[1] == "403"
    assert client.get(f"/fhir/MedicationRequest/{stored['MedicationRequest']['id']}",
                      headers=cast.doc_a).status_code == 200


def test_the_system_and_the_maintaining_domain_still_write_views(app, cast, stored):
    doc_a = Actor(user_id="u-doc-a", role="doctor", name="Doctor A", practitioner_id="pract-a")
    appt = {k: v for k, v in stored["Appointment"].items() if k != "meta"}
    message = {k: v for k, v in stored["Communication"].items() if k not in ("id", "meta")}
    request = {"resourceType": "Bundle", "type": "transaction",
               "entry": [{"resource": {k: v for k, v in stored["MedicationRequest"].items() if k not in ("id", "meta")},
                          "request": {"method": "POST", "url": "MedicationRequest"}}]}
    chat = {"resourceType": "Bundle", "type": "transaction",
            "entry": [{"resource": message, "request": {"method": "POST", "url": "Communication"}}]}
    with app.app_context():
        saved, _ = api.update(SYSTEM, "Appointment", appt["id"], {**appt, "status": "cancelled"})
        assert saved["meta"]["versionId"] == "2"
        with pytest.raises(api.FhirError):
            api.transaction(doc_a, chat)
        # The consultation close-out writes the chat in the doctor's name, as the clinic.
        response = api.transaction(doc_a, chat, maintainer="clinic")
        assert response["entry"][0]["response"]["status"].startswith("201")
        with pytest.raises(api.FhirError):  # one domain may not write another's views
            api.transaction(doc_a, request, maintainer="clinic")
        db.session.rollback()


def test_every_protected_kind_is_registered(app):
    kinds = {(v.resource_type, v.maintainer) for v in derived.registered()}
    assert kinds >= {("Organization", "clinic"), ("Location", "clinic"), ("Practitioner", "clinic"),
                     ("PractitionerRole", "clinic"), ("Schedule", "clinic"), ("Slot", "clinic"),
                     ("Appointment", "clinic"), ("Consent", "clinic"), ("Communication", "clinic"),
                     ("MedicationRequest", "pharmacy"), ("MedicationDispense", "pharmacy"),
                     ("Provenance", "pharmacy"), ("Invoice", "billing"), ("ChargeItem", "billing")}
    # The clinical record's own types stay open to people and outside systems: a view of them (home readings,
    # inspection results, nursing visits) claims only the ids it derives, never an ordinary record.
    for view in derived.registered():
        if view.resource_type in ("Encounter", "Condition", "Observation", "DocumentReference"):
            ordinary = {"resourceType": view.resource_type, "id": "outside-1", "status": "final"}
            assert view.match is not None and not view.covers("outside-1", ordinary), view
