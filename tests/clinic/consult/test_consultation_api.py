"""Consultations over REST: reading, messages, ending with the outcome written into the health record."""
from sqlalchemy import select

from clinic.consult import closeout
from core.extensions import db
from core.models import AuditEntry
from records.errors import FhirError
from tests.clinic.consult.helpers import join, make_patient, say, start_consultation

END = {"note": "BP well controlled on amlodipine; continue.", "diagnoses": [{"code": "I10", "display": "Hypertension"}],
       "observations": [{"code": "8480-6", "display": "Systolic blood pressure", "value": 132, "unit": "mm[Hg]"}]}


def active_consultation(app, accounts, client, queue):
    doctor, patient, room_id, consultation = start_consultation(app, accounts, client, queue)
    tc, ack = join(app, patient, consultation["id"])
    assert ack["ok"] and ack["consultation"]["status"] == "active", ack
    return doctor, patient, room_id, consultation, tc


def fhir(client, headers, query):
    r = client.get(f"/fhir/{query}", headers=headers)
    assert r.status_code == 200, r.get_json()
    return [e["resource"] for e in r.get_json().get("entry", []) if e.get("search", {}).get("mode") != "include"]


def test_participants_read_the_consultation_and_strangers_are_refused_and_audited(app, accounts, client, queue):
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    for party in (doctor, patient):
        r = client.get(f"/api/v1/consultations/{consultation['id']}", headers=party.headers)
        assert r.status_code == 200 and r.get_json()["status"] == "invited"
    stranger = make_patient(app, accounts, client, eligible=False, name="Stranger")
    assert client.get(f"/api/v1/consultations/{consultation['id']}/messages", headers=stranger.headers).status_code == 403
    with app.app_context():
        denied = db.session.scalars(select(AuditEntry).where(AuditEntry.outcome == "denied")).all()
    assert [(e.user_id, e.patient_ref) for e in denied] == [(stranger.user_id, f"Patient/{patient.patient_id}")]


def test_a_stranger_joining_over_socket_io_is_refused_and_the_denial_is_audited(app, accounts, client, queue):
    _, patient, _, consultation = start_consultation(app, accounts, client, queue)
    stranger = make_patient(app, accounts, client, eligible=False, name="Stranger")
    _, ack = join(app, stranger, consultation["id"])
    assert ack["ok"] is False and ack["error"]["event"] == "join", ack
    with app.app_context():  # kept although the event's transaction rolled back
        denied = db.session.scalars(select(AuditEntry).where(AuditEntry.outcome == "denied")).all()
    assert [(e.user_id, e.patient_ref) for e in denied] == [(stranger.user_id, f"Patient/{patient.patient_id}")]


def test_messages_are_listed_after_a_seq_and_every_read_is_audited(app, accounts, client, queue):
    doctor, patient, _, consultation, tc = active_consultation(app, accounts, client, queue)
    for n in range(1, 6):
        assert say(tc, consultation["id"], f"m{n}") == {"ok": True, "seq": n, "duplicate": False}
    r = client.get(f"/api/v1/consultations/{consultation['id']}/messages?after=2&limit=2", headers=doctor.headers)
    assert [(m["seq"], m["text"], m["sender_role"]) for m in r.get_json()["items"]] == [
        (3, "m3", "patient"), (4, "m4", "patient")]
    with app.app_context():
        reads = db.session.scalars(select(AuditEntry.detail).where(
            AuditEntry.entity == f"Consultation/{consultation['id']}/messages", AuditEntry.user_id == doctor.user_id))
        assert len(reads.all()) == 1


def test_end_writes_the_encounter_note_condition_observations_and_transcript(app, accounts, client, queue):
    doctor, patient, room_id, consultation, tc = active_consultation(app, accounts, client, queue)
    say(tc, consultation["id"], "My blood pressure was 132/84 this morning.")
    r = client.post(f"/api/v1/consultations/{consultation['id']}/end", json=END, headers=doctor.headers)
    assert r.status_code == 200, r.get_json()
    ended = r.get_json()
    assert ended["status"] == "closed" and ended["end_reason"] == "doctor" and ended["encounter_id"]
    encounters = fhir(client, patient.headers, f"Encounter?patient={patient.patient_id}&class=VR")
    encounter = next(e for e in encounters if e["id"] == ended["encounter_id"])
    assert encounter["class"]["code"] == "VR" and encounter["status"] == "finished"
    assert encounter["participant"][0]["individual"]["reference"] == f"Practitioner/{doctor.account['practitioner_id']}"
    assert encounter["reasonCode"][0]["coding"][0]["code"] == "I10"
    assert encounter["serviceProvider"]["reference"].startswith("Organization/")
    assert encounter["period"]["start"] and encounter["period"]["end"]
    conditions = fhir(client, patient.headers, f"Condition?encounter=Encounter/{encounter['id']}")
    assert [c["code"]["coding"][0]["code"] for c in conditions] == ["I10"]
    assert conditions[0]["recorder"]["reference"] == encounter["participant"][0]["individual"]["reference"]
    notes = fhir(client, patient.headers, f"DocumentReference?encounter=Encounter/{encounter['id']}")
    assert [n["type"]["coding"][0]["code"] for n in notes] == ["11488-4"]
    observations = fhir(client, patient.headers, f"Observation?encounter=Encounter/{encounter['id']}")
    assert observations[0]["valueQuantity"]["value"] == 132
    transcript = fhir(client, patient.headers, f"Communication?encounter=Encounter/{encounter['id']}")
    assert [c["payload"][0]["contentString"] for c in transcript] == ["My blood pressure was 132/84 this morning."]
    assert queue.status(consultation["appointment_id"]) == "fulfilled"
    assert client.get("/api/v1/rooms", headers=doctor.headers).get_json()["items"][0]["current_consultation_id"] is None
    tc.disconnect("/consult")


def test_an_online_diagnosis_does_not_make_a_follow_up_eligible(app, accounts, client, queue):
    doctor, patient, _, consultation, tc = active_consultation(app, accounts, client, queue)
    client.post(f"/api/v1/consultations/{consultation['id']}/end", headers=doctor.headers,
                json={**END, "diagnoses": [{"code": "E11.9", "display": "Type 2 diabetes"}]})
    answer = client.post("/api/v1/eligibility", json={"checkpoint": "book_online", "complaint_code": "E11.9"},
                         headers=patient.headers).get_json()
    assert answer["decision"] == "refer_offline"  # the VR encounter is honest: no in-person first diagnosis
    tc.disconnect("/consult")


def test_a_changed_condition_ends_with_a_referral(app, accounts, client, queue):
    doctor, patient, _, consultation, tc = active_consultation(app, accounts, client, queue)
    r = client.post(f"/api/v1/consultations/{consultation['id']}/end", json={**END, "condition_changed": True},
                    headers=doctor.headers)
    referral = r.get_json()["outcome"]["referral"]
    assert referral["decision"] == "refer_offline" and "visit.condition_changed" in {
        reason["rule_id"] for reason in referral["reasons"]}
    assert "referral" in referral
    ended = [e["args"][0] for e in tc.get_received("/consult") if e["name"] == "consultation_ended"]
    assert ended and ended[0]["referral"]["decision"] == "refer_offline"


def test_only_the_doctor_ends_and_only_an_active_consultation(app, accounts, client, queue):
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    url = f"/api/v1/consultations/{consultation['id']}/end"
    assert client.post(url, json=END, headers=doctor.headers).get_json()["code"] == "not_active"  # still invited
    join(app, patient, consultation["id"])
    assert client.post(url, json=END, headers=patient.headers).status_code == 403
    bad = client.post(url, json={"diagnoses": [{"code": "hypertension"}]}, headers=doctor.headers)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "diagnoses.0.code"
    assert client.post(url, json=END, headers=doctor.headers).status_code == 200
    assert client.post(url, json=END, headers=doctor.headers).status_code == 409


def test_a_failed_record_write_commits_nothing_and_the_consultation_stays_open(app, accounts, client, queue,
                                                                                 monkeypatch):
    doctor, patient, _, consultation, tc = active_consultation(app, accounts, client, queue)

    def half_then_fail(actor, bundle, **kwargs):
        closeout_real(actor, {**bundle, "entry": bundle["entry"][:1]})  # the Encounter is written...
        raise FhirError(500, "exception", "the store failed")  # ...then a later write fails

    closeout_real = closeout.records.transaction
    monkeypatch.setattr(closeout.records, "transaction", half_then_fail)
    r = client.post(f"/api/v1/consultations/{consultation['id']}/end", json=END, headers=doctor.headers)
    assert r.status_code == 500 and r.get_json()["code"] == "record_write_failed"
    monkeypatch.undo()
    assert fhir(client, patient.headers, f"Encounter?patient={patient.patient_id}&class=VR") == []
    assert client.get(f"/api/v1/consultations/{consultation['id']}", headers=doctor.headers).get_json()["status"] == "active"
    assert queue.status(consultation["appointment_id"]) == "in_consultation"
    assert say(tc, consultation["id"], "still here?")["ok"] is True
    assert client.post(f"/api/v1/consultations/{consultation['id']}/end", json=END, headers=doctor.headers).status_code == 200
