"""Timed work: invites nobody took up expire (requeue or noshow), idle consultations close; sweeps are
idempotent. Driven directly with a controlled clock, never by the scheduler."""
from datetime import timedelta

from clinic.consult import sweeps
from core import clock
from core.extensions import db
from core.scheduler import periodic_jobs
from tests.clinic.consult.helpers import join, say, start_consultation


def later(app, seconds):
    start = clock.now()
    clock.set_clock(lambda: start + timedelta(seconds=seconds))


def run(app, job):
    with app.app_context():
        done = job()
        db.session.commit()
        return done


def test_the_sweeps_are_registered():
    assert {"consult.expire_invites", "consult.close_idle"} <= set(periodic_jobs())


def test_an_invite_not_taken_up_goes_back_to_the_queue_once(app, accounts, client, queue):
    doctor, patient, room_id, consultation = start_consultation(app, accounts, client, queue)
    later(app, app.config["CONSULT_INVITE_TIMEOUT_SECONDS"] - 5)
    assert run(app, sweeps.expire_invites) == 0
    later(app, app.config["CONSULT_INVITE_TIMEOUT_SECONDS"] + 5)
    assert run(app, sweeps.expire_invites) == 1
    assert run(app, sweeps.expire_invites) == 0  # idempotent
    got = client.get(f"/api/v1/consultations/{consultation['id']}", headers=doctor.headers).get_json()
    assert got["status"] == "expired" and got["end_reason"] == "invite_timeout"
    assert ("requeue_or_noshow", consultation["appointment_id"], "requeue") in queue.calls
    assert queue.status(consultation["appointment_id"]) == "checked_in"
    tc, ack = join(app, patient, consultation["id"])
    assert ack["consultation"]["status"] == "expired"  # too late: it does not start
    r = client.post(f"/api/v1/rooms/{room_id}/call-next", json={}, headers=doctor.headers)
    assert r.status_code == 201 and r.get_json()["appointment_id"] == consultation["appointment_id"]


def test_noshow_is_configurable(app, accounts, client, queue, monkeypatch):
    monkeypatch.setitem(app.config, "CONSULT_INVITE_TIMEOUT_ACTION", "noshow")
    _, _, _, consultation = start_consultation(app, accounts, client, queue)
    later(app, app.config["CONSULT_INVITE_TIMEOUT_SECONDS"] + 5)
    assert run(app, sweeps.expire_invites) == 1
    assert queue.status(consultation["appointment_id"]) == "noshow"


def test_an_idle_consultation_is_closed_recorded_and_the_room_freed(app, accounts, client, queue):
    doctor, patient, room_id, consultation = start_consultation(app, accounts, client, queue)
    tc, _ = join(app, patient, consultation["id"])
    say(tc, consultation["id"], "hello?")
    idle = app.config["CONSULT_IDLE_TIMEOUT_SECONDS"]
    later(app, idle - 5)
    assert run(app, sweeps.close_idle_consultations) == 0
    later(app, idle + 5)
    assert run(app, sweeps.close_idle_consultations) == 1
    assert run(app, sweeps.close_idle_consultations) == 0
    clock.set_clock(None)
    got = client.get(f"/api/v1/consultations/{consultation['id']}", headers=doctor.headers).get_json()
    assert got["status"] == "closed" and got["end_reason"] == "idle" and got["encounter_id"]
    assert queue.status(consultation["appointment_id"]) == "fulfilled"
    assert client.get("/api/v1/rooms", headers=doctor.headers).get_json()["items"][0]["current_consultation_id"] is None
    ended = [e["args"][0] for e in tc.get_received("/consult") if e["name"] == "consultation_ended"]
    assert ended and ended[0]["end_reason"] == "idle"
    assert say(tc, consultation["id"], "anyone?", "late")["error"]["code"] == "not_active"
