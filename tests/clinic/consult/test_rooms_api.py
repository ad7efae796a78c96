"""Rooms over REST: list, open, close, call the next patient (risk-checked), one consultation per room."""
from sqlalchemy import func, select

from clinic.consult.models import Consultation
from clinic.risk.models import RiskDecisionLog
from core.extensions import db, socketio
from tests.clinic.consult.helpers import make_doctor, make_patient, make_room, start_consultation

NS = "/consult"


def test_rooms_are_listed_with_their_status(app, accounts, client, queue):
    doctor = make_doctor(app, accounts)
    room_id = make_room(app)
    rooms = client.get("/api/v1/rooms", headers=doctor.headers).get_json()["items"]
    assert [(r["id"], r["status"], r["busy"]) for r in rooms] == [(room_id, "closed", False)]
    client.post(f"/api/v1/rooms/{room_id}/open", headers=doctor.headers)
    room = client.get("/api/v1/rooms?clinic=hypertension", headers=doctor.headers).get_json()["items"][0]
    assert room["status"] == "open" and room["doctor_user_id"] == doctor.user_id


def test_the_demo_rooms_are_seeded_once(app, runner):
    assert "4 consulting rooms created" in runner.invoke(args=["consult", "seed-rooms"]).output
    assert "0 consulting rooms created" in runner.invoke(args=["consult", "seed-rooms"]).output


def test_a_room_is_open_for_one_doctor_and_a_doctor_opens_one_room(app, accounts, client):
    wang, li = make_doctor(app, accounts, "drwang"), make_doctor(app, accounts, "drli")
    first, second = make_room(app, "room-a"), make_room(app, "room-b")
    assert client.post(f"/api/v1/rooms/{first}/open", headers=wang.headers).status_code == 200
    assert client.post(f"/api/v1/rooms/{first}/open", headers=wang.headers).status_code == 200  # idempotent
    r = client.post(f"/api/v1/rooms/{first}/open", headers=li.headers)
    assert r.status_code == 409 and r.get_json()["code"] == "room_taken"
    r = client.post(f"/api/v1/rooms/{second}/open", headers=wang.headers)
    assert r.status_code == 409 and r.get_json()["code"] == "doctor_has_room"
    assert client.post(f"/api/v1/rooms/{first}/close", headers=li.headers).status_code == 403
    assert client.post(f"/api/v1/rooms/{first}/close", headers=wang.headers).get_json()["status"] == "closed"
    assert client.post(f"/api/v1/rooms/{second}/open", headers=wang.headers).status_code == 200


def test_patients_cannot_open_rooms(app, accounts, client):
    patient = make_patient(app, accounts, client, eligible=False)
    assert client.post(f"/api/v1/rooms/{make_room(app)}/open", headers=patient.headers).status_code == 403


def test_call_next_invites_the_patient_and_busies_the_room(app, accounts, client, queue):
    doctor, patient, room_id, consultation = start_consultation(app, accounts, client, queue)
    assert consultation["status"] == "invited" and consultation["complaint_code"] == "I10"
    assert {(p["user_id"], p["role"]) for p in consultation["participants"]} == {
        (patient.user_id, "patient"), (doctor.user_id, "doctor")}
    room = client.get("/api/v1/rooms", headers=doctor.headers).get_json()["items"][0]
    assert room["current_consultation_id"] == consultation["id"]
    queue.add(make_patient(app, accounts, client, name="Zhang San").account)
    r = client.post(f"/api/v1/rooms/{room_id}/call-next", json={}, headers=doctor.headers)
    assert r.status_code == 409 and r.get_json()["code"] == "room_busy"
    r = client.post(f"/api/v1/rooms/{room_id}/close", headers=doctor.headers)
    assert r.status_code == 409 and r.get_json()["code"] == "consultation_in_progress"


def test_the_invited_patient_hears_it(app, accounts, client, queue):
    doctor = make_doctor(app, accounts)
    patient = make_patient(app, accounts, client)
    room_id = make_room(app)
    client.post(f"/api/v1/rooms/{room_id}/open", headers=doctor.headers)
    queue.add(patient.account)
    listener = socketio.test_client(app, namespace=NS, auth={"token": patient.token})
    consultation = client.post(f"/api/v1/rooms/{room_id}/call-next", json={}, headers=doctor.headers).get_json()
    invited = [e["args"][0] for e in listener.get_received(NS) if e["name"] == "invited"]
    assert invited and invited[0]["consultation_id"] == consultation["id"] and invited[0]["room_id"] == room_id
    listener.disconnect(NS)


def test_an_empty_queue_is_a_conflict(app, accounts, client, queue):
    doctor = make_doctor(app, accounts)
    room_id = make_room(app)
    client.post(f"/api/v1/rooms/{room_id}/open", headers=doctor.headers)
    r = client.post(f"/api/v1/rooms/{room_id}/call-next", json={}, headers=doctor.headers)
    assert r.status_code == 409 and r.get_json()["code"] == "queue_empty"


def test_without_the_queue_connected_call_next_is_unavailable(app, accounts, client):
    from clinic.consult import queue_link

    doctor = make_doctor(app, accounts)
    room_id = make_room(app)
    client.post(f"/api/v1/rooms/{room_id}/open", headers=doctor.headers)
    installed = queue_link.installed()
    queue_link.set_queue_link(None)
    try:
        assert client.post(f"/api/v1/rooms/{room_id}/call-next", json={}, headers=doctor.headers).status_code == 503
    finally:
        queue_link.set_queue_link(installed)


def test_a_refused_start_is_422_with_reasons_for_both_and_frees_the_room(app, accounts, client, queue):
    doctor = make_doctor(app, accounts)
    patient = make_patient(app, accounts, client, eligible=False)  # no in-person diagnosis: first visit
    room_id = make_room(app)
    client.post(f"/api/v1/rooms/{room_id}/open", headers=doctor.headers)
    appointment = queue.add(patient.account, reason="I10 first visit")
    listeners = [socketio.test_client(app, namespace=NS, auth={"token": p.token}) for p in (patient, doctor)]
    r = client.post(f"/api/v1/rooms/{room_id}/call-next", json={}, headers=doctor.headers)
    assert r.status_code == 422 and r.get_json()["code"] == "not_eligible"
    assert r.get_json()["reasons"] and r.get_json()["decision"] == "refer_offline"
    for listener in listeners:
        refused = [e["args"][0] for e in listener.get_received(NS) if e["name"] == "consultation_refused"]
        assert refused and refused[0]["reasons"] == r.get_json()["reasons"]
        listener.disconnect(NS)
    assert queue.status(appointment["id"]) == "refused"
    room = client.get("/api/v1/rooms", headers=doctor.headers).get_json()["items"][0]
    assert room["current_consultation_id"] is None
    with app.app_context():  # nothing of the refused start is stored but its decision
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0
        assert db.session.get(RiskDecisionLog, r.get_json()["decision_id"]).decision == "refer_offline"


def test_the_complaint_code_comes_from_the_reason_or_the_call(app, accounts, client, queue):
    from clinic.consult.lifecycle import complaint_from_reason

    assert complaint_from_reason("E11.9 diabetes review") == "E11.9"
    assert complaint_from_reason("i10: blood pressure") == "I10"
    assert complaint_from_reason("headache since I10") is None and complaint_from_reason(None) is None
    assert complaint_from_reason("I109 nonsense") is None
    *_, consultation = start_consultation(app, accounts, client, queue, reason="blood pressure", complaint_code="I10")
    assert consultation["complaint_code"] == "I10"
