"""The online journey through the real clinic queue: book -> check in -> called into a consulting room
-> chat -> end with a diagnosis -> prescribe through the risk engine; each step as the apps do it."""
from datetime import timedelta

from sqlalchemy import select

from clinic.appointments import Appointment
from clinic.risk.models import RiskDecisionLog
from core import clock
from core.extensions import db
from tests.clinic.conftest import book
from tests.clinic.consult.helpers import NS, Party, make_room, socket_for
from tests.clinic.risk.helpers import STABLE_VITALS, eligible_patient

AMLODIPINE = {"code": "C08CA01", "dose": "5 mg", "frequency": "once daily", "route": "oral",
              "quantity": 28, "days_supply": 28}


def test_book_queue_consult_and_prescribe(app, client, accounts, world):
    inst = world.institution()
    doctor_id, doctor = world.doctor([inst], specialties=("hypertension",))
    starts = clock.now().replace(microsecond=0) + timedelta(minutes=20)
    slot_id = world.slot(doctor_id, inst, starts, kind="online")
    account, patient = eligible_patient(app, client, accounts, code="I10")
    client.post("/api/v1/triage", json={"symptoms": [], "vitals": STABLE_VITALS}, headers=patient)

    appointment = book(client, patient, slot_id, kind="online", reason="I10 blood pressure follow-up").get_json()
    assert client.post(f"/api/v1/appointments/{appointment['id']}/check-in", headers=patient).status_code == 200
    assert client.get(f"/api/v1/appointments/{appointment['id']}/queue", headers=patient).get_json()["position"] == 1

    room_id = make_room(app)
    assert client.post(f"/api/v1/rooms/{room_id}/open", headers=doctor).status_code == 200
    called = client.post(f"/api/v1/rooms/{room_id}/call-next", json={}, headers=doctor)
    assert called.status_code == 201, called.get_json()
    consultation_id = called.get_json()["id"]

    patient_party = Party(account["id"], patient, account["patient_id"], account)
    socket = socket_for(app, patient_party)
    ack = socket.emit("join", {"consultation_id": consultation_id, "last_seq": 0}, namespace=NS, callback=True)
    assert ack.get("ok", True) and "error" not in ack, ack
    sent = socket.emit("message", {"consultation_id": consultation_id, "client_id": "m1", "text": "头有点晕"},
                       namespace=NS, callback=True)
    assert sent["seq"] == 1
    socket.disconnect(namespace=NS)
    with app.app_context():
        assert db.session.get(Appointment, appointment["id"]).status == "in_consultation"

    ended = client.post(f"/api/v1/consultations/{consultation_id}/end", headers=doctor,
                        json={"note": "BP controlled; continue amlodipine.",
                              "diagnoses": [{"code": "I10", "display": "Essential hypertension"}]})
    assert ended.status_code == 200, ended.get_json()
    with app.app_context():
        assert db.session.get(Appointment, appointment["id"]).status == "fulfilled"
    encounters = client.get(f"/fhir/Encounter?patient={account['patient_id']}&class=VR", headers=patient).get_json()
    assert len(encounters["entry"]) == 1

    prescribed = client.post("/api/v1/prescriptions", headers=doctor,
                             json={"consultation_id": consultation_id, "items": [AMLODIPINE]})
    assert prescribed.status_code == 201, prescribed.get_json()
    assert prescribed.get_json()["status"] == "pending_review"
    refused = client.post("/api/v1/prescriptions", headers=doctor,
                          json={"consultation_id": consultation_id, "items": [{**AMLODIPINE, "code": "N05BA01"}]})
    assert refused.status_code == 422
    with app.app_context():
        checkpoints = [row.checkpoint for row in db.session.scalars(
            select(RiskDecisionLog).where(RiskDecisionLog.patient_id == account["patient_id"])
            .order_by(RiskDecisionLog.at))]
    assert checkpoints[:2] == ["book_online", "start_consultation"] and "prescribe" in checkpoints


def test_a_child_with_a_guardian_is_seen_and_prescribed_for_by_a_paediatrician(app, client, accounts, world):
    """Art. 19 at every checkpoint: the guardian registered before booking is invited with the child, and
    the prescription check sees them there (it used to miss the fact and refuse every child)."""
    inst = world.institution()
    doctor_id, doctor = world.doctor([inst], specialties=("paediatrics",))
    slot_id = world.slot(doctor_id, inst, clock.now().replace(microsecond=0) + timedelta(minutes=20), kind="online")
    today = clock.now().date()
    account, child = eligible_patient(app, client, accounts, code="I10", name="Xiao Ming",
                                      born=today.replace(year=today.year - 4, day=min(today.day, 28)))
    mother, mother_headers = accounts.patient(name="Wang Fang")
    guardian_id = client.post("/api/v1/guardians", headers=child, json={
        "guardian_username": mother["phone"], "relationship": "MTH"}).get_json()["id"]
    assert client.post(f"/api/v1/guardians/{guardian_id}/accept", headers=mother_headers).status_code == 200
    client.post("/api/v1/triage", json={"symptoms": [], "vitals": STABLE_VITALS}, headers=child)
    appointment = book(client, child, slot_id, kind="online", reason="I10 follow-up")
    assert appointment.status_code == 201, appointment.get_json()
    assert client.post(f"/api/v1/appointments/{appointment.get_json()['id']}/check-in", headers=child).status_code == 200
    room_id = make_room(app)
    assert client.post(f"/api/v1/rooms/{room_id}/open", headers=doctor).status_code == 200
    called = client.post(f"/api/v1/rooms/{room_id}/call-next", json={}, headers=doctor)
    assert called.status_code == 201, called.get_json()
    consultation_id = called.get_json()["id"]
    socket = socket_for(app, Party(account["id"], child, account["patient_id"], account))
    ack = socket.emit("join", {"consultation_id": consultation_id, "last_seq": 0}, namespace=NS, callback=True)
    assert ack.get("ok", True) and "error" not in ack, ack  # start_consultation allowed: the guardian is there
    socket.disconnect(namespace=NS)
    prescribed = client.post("/api/v1/prescriptions", headers=doctor,
                             json={"consultation_id": consultation_id, "items": [AMLODIPINE]})
    assert prescribed.status_code == 201, prescribed.get_json()
    with app.app_context():
        log = db.session.scalars(select(RiskDecisionLog).where(
            RiskDecisionLog.patient_id == account["patient_id"], RiskDecisionLog.checkpoint == "prescribe")).one()
    assert log.decision == "needs_pharmacist_review"
