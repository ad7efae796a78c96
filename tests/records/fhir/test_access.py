"""Access rules through HTTP: two patients, two doctors, a pharmacist, an admin; no cross-patient leak."""
import json

import pytest

from core import auth as core_auth
from records import care
from tests.records.fhir.conftest import auth, observation, system_write


@pytest.fixture()
def records(app, cast):
    """One Observation per patient (same code), performed by the patient's doctor, plus a MedicationRequest."""
    obs1, obs2 = system_write(app, observation(cast.p1, performer="Practitioner/pract-a"),
                              observation(cast.p2, performer="Practitioner/pract-b"))
    med = system_write(app, {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
                             "medicationCodeableConcept": {"text": "Amoxicillin 500mg"},
                             "subject": {"reference": f"Patient/{cast.p2}"}})[0]
    return {"obs1": obs1["id"], "obs2": obs2["id"], "med2": med["id"]}


def ids(bundle):
    return {(e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle.get("entry", [])
            if e["resource"]["resourceType"] != "OperationOutcome"}


def test_patient_reads_own_but_not_other(client, cast, records):
    assert client.get(f"/fhir/Observation/{records['obs1']}", headers=cast.p1_headers).status_code == 200
    assert client.get(f"/fhir/Observation/{records['obs2']}", headers=cast.p1_headers).status_code == 403
    assert client.get(f"/fhir/Patient/{cast.p2}", headers=cast.p1_headers).status_code == 403


def test_patient_search_never_returns_other_patient(client, cast, records):
    bundle = client.get("/fhir/Observation?code=8867-4", headers=cast.p1_headers).get_json()
    assert ids(bundle) == {("Observation", records["obs1"])}
    everyone = client.get("/fhir/Patient", headers=cast.p1_headers).get_json()
    assert ids(everyone) == {("Patient", cast.p1)}


def test_include_does_not_leak(client, cast, records):
    bundle = client.get("/fhir/Observation?_include=Observation:subject&_include=Observation:performer",
                        headers=cast.p1_headers).get_json()
    assert cast.p2 not in json.dumps(bundle)
    assert ("Patient", cast.p1) in ids(bundle) and ("Practitioner", "pract-a") in ids(bundle)
    rev = client.get("/fhir/Practitioner?_revinclude=Observation:performer", headers=cast.p1_headers).get_json()
    assert ("Observation", records["obs2"]) not in ids(rev) and ("Observation", records["obs1"]) in ids(rev)


def test_everything_only_for_own_or_cared_for(client, cast, records):
    own = client.get(f"/fhir/Patient/{cast.p1}/$everything", headers=cast.p1_headers)
    assert own.status_code == 200 and cast.p2 not in own.get_data(as_text=True)
    assert client.get(f"/fhir/Patient/{cast.p2}/$everything", headers=cast.p1_headers).status_code == 403
    assert client.get(f"/fhir/Patient/{cast.p2}/$everything", headers=cast.doc_a).status_code == 403
    assert client.get(f"/fhir/Patient/{cast.p2}/$everything", headers=cast.doc_b).status_code == 200


def test_history_and_vread_do_not_leak(client, cast, records):
    assert client.get(f"/fhir/Observation/{records['obs2']}/_history", headers=cast.p1_headers).status_code == 403
    assert client.get(f"/fhir/Observation/{records['obs2']}/_history/1", headers=cast.p1_headers).status_code == 403
    assert client.get("/fhir/Observation/_history", headers=cast.p1_headers).status_code == 403
    assert client.get("/fhir/_history", headers=cast.doc_a).status_code == 403
    assert client.get(f"/fhir/Observation/{records['obs1']}/_history", headers=cast.p1_headers).status_code == 200


def test_doctor_sees_only_patients_in_care(client, cast, records):
    assert client.get(f"/fhir/Observation/{records['obs1']}", headers=cast.doc_a).status_code == 200
    assert client.get(f"/fhir/Observation/{records['obs2']}", headers=cast.doc_a).status_code == 403
    assert ids(client.get("/fhir/Observation", headers=cast.doc_a).get_json()) == {("Observation", records["obs1"])}
    # Doctor B is patient 2's family doctor (Patient.generalPractitioner).
    assert ids(client.get("/fhir/Observation", headers=cast.doc_b).get_json()) == {("Observation", records["obs2"])}
    assert client.get(f"/fhir/Patient/{cast.p2}", headers=cast.doc_b).status_code == 200


def test_doctor_writes_only_for_patients_in_care(client, cast):
    assert client.post("/fhir/Observation", json=observation(cast.p1), headers=auth(cast.doc_a)).status_code == 201
    assert client.post("/fhir/Observation", json=observation(cast.p2), headers=auth(cast.doc_a)).status_code == 403
    condition = {"resourceType": "Condition", "subject": {"reference": f"Patient/{cast.p2}"},
                 "code": {"text": "Hypertension"}}
    assert client.post("/fhir/Condition", json=condition, headers=auth(cast.doc_b)).status_code == 201


@pytest.fixture()
def appointments_from_fhir(monkeypatch):
    """records.care on its own, as without the clinic: Appointments grant care from the FHIR store (with the
    clinic installed it answers them from its appointment rows instead, records.care.answered_by_source)."""
    monkeypatch.setattr(care, "_ANSWERED_BY_SOURCE", set())


def test_appointment_participation_grants_care(app, client, cast, records, appointments_from_fhir):
    system_write(app, {"resourceType": "Appointment", "status": "booked",
                       "participant": [{"actor": {"reference": f"Patient/{cast.p2}"}, "status": "accepted"},
                                       {"actor": {"reference": "Practitioner/pract-a"}, "status": "accepted"}]})
    assert client.get(f"/fhir/Observation/{records['obs2']}", headers=cast.doc_a).status_code == 200


@pytest.mark.parametrize("status", ["cancelled", "noshow", "entered-in-error"])
def test_a_dead_appointment_grants_no_care(app, client, cast, records, status, appointments_from_fhir):
    system_write(app, {"resourceType": "Appointment", "status": status,
                       "participant": [{"actor": {"reference": f"Patient/{cast.p2}"}, "status": "accepted"},
                                       {"actor": {"reference": "Practitioner/pract-a"}, "status": "accepted"}]})
    assert client.get(f"/fhir/Observation/{records['obs2']}", headers=cast.doc_a).status_code == 403
    assert ids(client.get("/fhir/Observation?code=8867-4", headers=cast.doc_a).get_json()) == {
        ("Observation", records["obs1"])}


def test_with_the_clinic_installed_appointments_grant_care_from_its_rows_not_from_fhir(app, client, cast, records):
    """The clinic answers Appointment care from its own rows (never lagging behind a commit); a FHIR Appointment
    with no appointment row behind it grants nothing."""
    assert "Appointment" not in [source[0] for source in care._sources()]
    system_write(app, {"resourceType": "Appointment", "status": "booked",
                       "participant": [{"actor": {"reference": f"Patient/{cast.p2}"}, "status": "accepted"},
                                       {"actor": {"reference": "Practitioner/pract-a"}, "status": "accepted"}]})
    assert client.get(f"/fhir/Observation/{records['obs2']}", headers=cast.doc_a).status_code == 403


def test_patient_writes_only_self_reported(client, cast):
    mine = observation(cast.p1, performer=f"Patient/{cast.p1}")
    assert client.post("/fhir/Observation", json=mine, headers=auth(cast.p1_headers)).status_code == 201
    theirs = observation(cast.p2)
    assert client.post("/fhir/Observation", json=theirs, headers=auth(cast.p1_headers)).status_code == 403
    by_doctor = observation(cast.p1, performer="Practitioner/pract-a")
    assert client.post("/fhir/Observation", json=by_doctor, headers=auth(cast.p1_headers)).status_code == 403
    condition = {"resourceType": "Condition", "subject": {"reference": f"Patient/{cast.p1}"}, "code": {"text": "x"}}
    assert client.post("/fhir/Condition", json=condition, headers=auth(cast.p1_headers)).status_code == 403
    answers = {"resourceType": "QuestionnaireResponse", "status": "completed",
               "subject": {"reference": f"Patient/{cast.p1}"}}
    assert client.post("/fhir/QuestionnaireResponse", json=answers, headers=auth(cast.p1_headers)).status_code == 201


def test_patient_may_not_change_records_that_do_not_name_them_as_author(app, client, cast):
    """Found by the authorisation matrix: an Observation without a performer (an import, a clinician's
    note) counted as self-reported, so its patient could rewrite or delete it."""
    unattributed = system_write(app, observation(cast.p1))[0]
    url, headers = f"/fhir/Observation/{unattributed['id']}", auth(cast.p1_headers)
    assert client.put(url, json={**unattributed, "status": "cancelled"}, headers=headers).status_code == 403
    assert client.delete(url, headers=headers).status_code == 403
    assert client.post("/fhir/Observation", json=observation(cast.p1), headers=headers).status_code == 403
    by_doctor = {"resourceType": "QuestionnaireResponse", "status": "completed",
                 "subject": {"reference": f"Patient/{cast.p1}"}, "author": {"reference": "Practitioner/pract-a"}}
    assert client.post("/fhir/QuestionnaireResponse", json=by_doctor, headers=headers).status_code == 403


def test_deleting_a_deleted_record_is_still_for_those_who_may_write_it(app, client, cast, records):
    """Found by the authorisation matrix: a second DELETE answered 204 to anyone (and audited a success)."""
    url = f"/fhir/Observation/{records['obs1']}"
    assert client.delete(url, headers=auth(cast.admin)).status_code == 204
    assert client.delete(url, headers=auth(cast.p2_headers)).status_code == 403
    assert client.delete(url, headers=auth(cast.doc_b)).status_code == 403
    assert client.delete(url, headers=auth(cast.admin)).status_code == 204


def test_a_provenance_belongs_to_the_patients_of_its_targets(app, client, cast, records):
    """Found by the authorisation matrix: a prescription's signature Provenance names no patient, so any
    doctor could read it and its own patient could not."""
    signature = system_write(app, {"resourceType": "Provenance", "recorded": "2026-01-01T08:00:00Z",
                                   "target": [{"reference": f"Observation/{records['obs1']}"}],
                                   "agent": [{"who": {"reference": "Practitioner/pract-a"}}]})[0]
    url = f"/fhir/Provenance/{signature['id']}"
    assert client.get(url, headers=cast.doc_b).status_code == 403
    assert client.get(f"{url}/_history", headers=cast.doc_b).status_code == 403
    assert client.get(url, headers=cast.p2_headers).status_code == 403
    assert client.get(url, headers=cast.p1_headers).status_code == 200
    assert client.get(url, headers=cast.doc_a).status_code == 200


def test_directory_readable_by_everyone_writable_by_admin(client, cast):
    for headers in (cast.p1_headers, cast.doc_a, cast.pharmacist):
        assert client.get("/fhir/Practitioner/pract-a", headers=headers).status_code == 200
        assert client.get("/fhir/Practitioner", headers=headers).get_json()["total"] == 2
    org = {"resourceType": "Organization", "name": "Cloud Hospital"}
    assert client.post("/fhir/Organization", json=org, headers=auth(cast.doc_a)).status_code == 403
    assert client.post("/fhir/Organization", json=org, headers=auth(cast.admin)).status_code == 201


def test_pharmacist_through_registered_provider(client, cast, records):
    """The pharmacy domain will register these; here a test provider says pharmacy-1 serves patient 2."""
    served = lambda actor: {cast.p2} if actor.pharmacy_id == "pharmacy-1" else set()  # noqa: E731
    relation = lambda actor, patient_id: patient_id in served(actor)  # noqa: E731
    core_auth.register_patient_scope(served)
    core_auth.register_relationship("pharmacy_serves_patient", relation)
    try:
        assert client.get(f"/fhir/MedicationRequest/{records['med2']}", headers=cast.pharmacist).status_code == 200
        assert ids(client.get("/fhir/MedicationRequest", headers=cast.pharmacist).get_json()) == {
            ("MedicationRequest", records["med2"])}
        patient = client.get(f"/fhir/Patient/{cast.p2}", headers=cast.pharmacist).get_json()
        assert "identifier" not in patient and patient["meta"]["tag"][-1]["code"] == "SUBSETTED"
        assert client.get(f"/fhir/Patient/{cast.p1}", headers=cast.pharmacist).status_code == 403
        assert client.get(f"/fhir/Observation/{records['obs2']}", headers=cast.pharmacist).status_code == 403
        assert client.get(f"/fhir/Patient/{cast.p2}/$everything", headers=cast.pharmacist).status_code == 403
        # Includes cannot smuggle in types a pharmacist may not read.
        rev = client.get("/fhir/Patient?_revinclude=Observation:subject", headers=cast.pharmacist)
        assert rev.status_code == 403
        own = client.get("/fhir/MedicationRequest?_include=MedicationRequest:patient", headers=cast.pharmacist)
        assert ("Patient", cast.p2) in ids(own.get_json())
    finally:
        core_auth._scope_providers.remove(served)
        core_auth._relationship_providers["pharmacy_serves_patient"].remove(relation)


def test_pharmacist_without_provider_sees_nothing(client, cast, records):
    assert client.get(f"/fhir/MedicationRequest/{records['med2']}", headers=cast.pharmacist).status_code == 403
    assert client.get("/fhir/MedicationRequest", headers=cast.pharmacist).get_json()["total"] == 0


def test_admin_reads_and_writes_all(client, cast, records):
    assert client.get(f"/fhir/Observation/{records['obs2']}", headers=cast.admin).status_code == 200
    assert client.get("/fhir/Observation", headers=cast.admin).get_json()["total"] == 2
    assert client.delete(f"/fhir/Observation/{records['obs2']}", headers=cast.admin).status_code == 204


def _encounter(patient_id, *practitioners):
    return {"resourceType": "Encounter", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR"},
            "subject": {"reference": f"Patient/{patient_id}"},
            "participant": [{"individual": {"reference": ref}} for ref in practitioners]}


def test_a_doctor_cannot_open_a_record_to_a_colleague_by_naming_them_in_an_encounter(client, cast):
    assert client.get(f"/fhir/Patient/{cast.p1}", headers=cast.doc_b).status_code == 403
    for named in ("Practitioner/pract-b", "https://elsewhere.example/fhir/Practitioner/pract-b/_history/1"):
        r = client.post("/fhir/Encounter", json=_encounter(cast.p1, "Practitioner/pract-a", named),
                        headers=auth(cast.doc_a))
        assert r.status_code == 403 and r.get_json()["resourceType"] == "OperationOutcome"
        assert "Practitioner/pract-b" in r.get_json()["issue"][0]["diagnostics"]
    # Nor by an update of an Encounter they wrote.
    own = client.post("/fhir/Encounter", json=_encounter(cast.p1, "Practitioner/pract-a"), headers=auth(cast.doc_a))
    assert own.status_code == 201
    changed = {**own.get_json(), "participant": [{"individual": {"reference": "Practitioner/pract-b"}}]}
    assert client.put(f"/fhir/Encounter/{changed['id']}", json=changed, headers=auth(cast.doc_a)).status_code == 403
    assert client.get(f"/fhir/Patient/{cast.p1}", headers=cast.doc_b).status_code == 403
    assert client.get(f"/fhir/Encounter?patient={cast.p1}", headers=cast.doc_b).get_json().get("total", 0) == 0


def test_an_encounter_may_name_colleagues_who_already_care_for_the_patient(app, client, cast):
    system_write(app, {**_encounter(cast.p1, "Practitioner/pract-b"), "status": "in-progress"})  # B now cares too
    r = client.post("/fhir/Encounter", json=_encounter(cast.p1, "Practitioner/pract-a", "Practitioner/pract-b"),
                    headers=auth(cast.doc_a))
    assert r.status_code == 201
