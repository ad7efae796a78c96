"""Registered guardians: the patient names them, they accept, either (or an admin) revokes; every step is
audited; an active guardian is invited to the patient's consultations through the real clinic queue."""
from sqlalchemy import select

from clinic.consult.models import ConsultParticipant
from core.extensions import db
from core.models import AuditEntry
from tests.clinic.consult.helpers import NS, Party, checked_in_with_real_queue, socket_for


def _register(client, headers, guardian_phone, relationship="MTH", **extra):
    return client.post("/api/v1/guardians", headers=headers,
                       json={"guardian_username": guardian_phone, "relationship": relationship, **extra})


def _audit(app, entity):
    with app.app_context():
        return [(e.action, e.outcome) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.at, AuditEntry.id))]


def test_the_patient_names_a_guardian_who_accepts_and_either_may_revoke(app, client, accounts):
    child, child_headers = accounts.patient(name="Xiao Ming")
    mother, mother_headers = accounts.patient(name="Wang Fang")
    stranger, stranger_headers = accounts.patient(name="Stranger")
    r = _register(client, child_headers, mother["phone"])
    assert r.status_code == 201 and r.get_json()["status"] == "pending", r.get_json()
    guardian_id = r.get_json()["id"]
    assert client.post(f"/api/v1/guardians/{guardian_id}/accept", headers=stranger_headers).status_code == 403
    accepted = client.post(f"/api/v1/guardians/{guardian_id}/accept", headers=mother_headers)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "active"
    mine = client.get("/api/v1/guardians", headers=mother_headers).get_json()["items"]
    assert [(g["patient_id"], g["status"]) for g in mine] == [(child["patient_id"], "active")]
    assert client.get("/api/v1/guardians", headers=stranger_headers).get_json()["items"] == []
    assert client.post(f"/api/v1/guardians/{guardian_id}/revoke", headers=stranger_headers).status_code == 403
    revoked = client.post(f"/api/v1/guardians/{guardian_id}/revoke", headers=mother_headers)
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    assert _audit(app, f"Guardian/{guardian_id}") == [
        ("create", "success"), ("update", "denied"), ("update", "success"), ("delete", "denied"),
        ("delete", "success")]


def test_registrations_are_checked(app, client, accounts):
    patient, headers = accounts.patient()
    other, _ = accounts.patient(name="Other")
    _, doctor_headers = accounts.staff("doctor", "dr.li", practitioner_id="pr-li")
    assert _register(client, headers, patient["phone"]).get_json()["code"] == "self_guardian"
    assert _register(client, headers, "13900000999").get_json()["code"] == "guardian_not_found"
    assert _register(client, headers, "dr.li").get_json()["code"] == "guardian_not_found"  # a personal account only
    assert _register(client, headers, other["phone"], relationship="BOSS").status_code == 422
    assert _register(client, doctor_headers, other["phone"], patient_id=patient["patient_id"]).status_code == 403
    assert _register(client, headers, other["phone"]).status_code == 201
    assert _register(client, headers, other["phone"], relationship="FTH").get_json()["code"] == "guardian_exists"
    # A patient registers guardians for their own record only.
    assert _register(client, headers, other["phone"], patient_id="someone-else").status_code == 403


def test_an_admin_registers_an_active_guardian_for_a_patient(app, client, accounts):
    patient, _ = accounts.patient()
    father, father_headers = accounts.patient(name="Father")
    _, admin = accounts.admin()
    assert _register(client, admin, father["phone"]).get_json()["code"] == "patient_required"
    r = _register(client, admin, father["phone"], relationship="FTH", patient_id=patient["patient_id"])
    assert r.status_code == 201 and r.get_json()["status"] == "active"
    assert client.get("/api/v1/guardians", headers=father_headers).get_json()["items"][0]["status"] == "active"


def test_an_active_guardian_is_invited_to_the_patients_consultation(app, client, accounts, world):
    account, patient, doctor, appointment, room_id = checked_in_with_real_queue(app, client, accounts, world)
    son, son_headers = accounts.patient(name="Son")
    guardian_id = _register(client, patient, son["phone"], relationship="CHILD").get_json()["id"]
    assert client.post(f"/api/v1/guardians/{guardian_id}/accept", headers=son_headers).status_code == 200
    called = client.post(f"/api/v1/rooms/{room_id}/call-next", json={}, headers=doctor)
    assert called.status_code == 201, called.get_json()
    cid = called.get_json()["id"]
    with app.app_context():
        roles = dict(db.session.execute(select(ConsultParticipant.user_id, ConsultParticipant.role)
                                        .where(ConsultParticipant.consultation_id == cid)).all())
    assert roles[son["id"]] == "guardian"
    socket = socket_for(app, Party(son["id"], son_headers))
    ack = socket.emit("join", {"consultation_id": cid}, namespace=NS, callback=True)
    assert ack["ok"] and ack["role"] == "guardian"
    socket.disconnect(namespace=NS)
