"""The clinic's reportable events: a consultation started and ended (with its diagnoses) in one trace; a start
refused by risk control is reported although the request rolls back."""
import pytest

from tests.clinic.conftest import World as ClinicWorld
from tests.clinic.consult.conftest import queue  # noqa: F401  (fixture)
from tests.clinic.consult.helpers import checked_in_with_real_queue, join, start_consultation
from tests.clinic.consult.test_consultation_api import END
from tests.compliance.conftest import whole_feed


@pytest.fixture()
def clinic_world(app, accounts):
    return ClinicWorld(app, accounts)


def test_a_consultation_is_a_trace_started_then_ended_with_its_diagnoses(app, accounts, client, queue, regulator):
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    tc, ack = join(app, patient, consultation["id"])
    assert ack["ok"], ack
    r = client.post(f"/api/v1/consultations/{consultation['id']}/end", json=END, headers=doctor.headers)
    assert r.status_code == 200, r.get_json()
    tc.disconnect(namespace="/consult")
    entries = [e for e in whole_feed(client, regulator) if e["trace_id"] == f"consult-{consultation['id']}"]
    assert [(e["kind"], e["trace_seq"]) for e in entries] == [("consultation.started", 1), ("consultation.ended", 2)]
    assert entries[0]["actor"]["role"] == "patient" and entries[1]["actor"]["role"] == "doctor"
    assert entries[1]["payload"]["diagnoses"] == END["diagnoses"]
    assert entries[1]["payload"]["encounter_id"] == r.get_json()["encounter_id"]
    assert all(e["patient"] == f"Patient/{patient.patient_id}" for e in entries)


def test_a_refusal_by_risk_control_is_reported_though_the_request_rolls_back(app, client, accounts, clinic_world,
                                                                             regulator):
    account, _, doctor, appointment, room_id = checked_in_with_real_queue(app, client, accounts, clinic_world)
    refused = client.post(f"/api/v1/rooms/{room_id}/call-next", json={"complaint_code": "J45"}, headers=doctor)
    assert refused.status_code == 422, refused.get_json()
    entries = [e for e in whole_feed(client, regulator) if e["kind"] == "risk_control.refused"
               and e["payload"]["checkpoint"] == "start_consultation"]
    assert len(entries) == 1
    refusal = entries[0]
    assert refusal["subject"] == f"RiskDecision/{refused.get_json()['decision_id']}"
    assert refusal["payload"]["decision"] == "refer_offline"
    assert refusal["payload"]["context"] == f"Appointment/{appointment['id']}"
    assert refusal["patient"] == f"Patient/{account['patient_id']}"


def test_an_idle_consultation_closed_by_the_sweep_is_reported_by_the_system(app, accounts, client, queue, regulator):
    from datetime import timedelta

    from core import clock, scheduler

    _, patient, _, consultation = start_consultation(app, accounts, client, queue)
    tc, ack = join(app, patient, consultation["id"])
    assert ack["ok"], ack
    tc.disconnect(namespace="/consult")
    later = clock.now() + timedelta(seconds=app.config["CONSULT_IDLE_TIMEOUT_SECONDS"] + 60)
    clock.set_clock(lambda: later)
    assert scheduler.run_job(app, "consult.close_idle") == 1
    entries = [e for e in whole_feed(client, regulator) if e["trace_id"] == f"consult-{consultation['id']}"]
    assert [e["kind"] for e in entries] == ["consultation.started", "consultation.ended"]
    assert entries[1]["actor"]["role"] == "system" and entries[1]["payload"]["end_reason"] == "idle"
    assert entries[1]["payload"]["diagnoses"] == []
