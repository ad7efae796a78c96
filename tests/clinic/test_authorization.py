"""Who sees what: patients their own, doctors theirs, admins all; other ids are 404, never 403."""
from datetime import timedelta

from clinic.appointments.access import cares_for_patient
from clinic.directory.services import family_doctor_of
from core import auth, clock
from core.extensions import db
from tests.clinic.conftest import book


def _setup(client, accounts, world):
    inst = world.institution()
    doctor_id, doctor = world.doctor([inst])
    _, stranger_doctor = world.doctor([inst])
    a_account, a = accounts.patient()
    _, b = accounts.patient()
    start = clock.now() + timedelta(days=2)
    appt = book(client, a, world.slot(doctor_id, inst, start)).get_json()
    return appt, a_account, a, b, doctor, stranger_doctor


def test_patient_b_cannot_see_or_touch_patient_as_appointment(client, accounts, world):
    appt, _, a, b, _, _ = _setup(client, accounts, world)
    base = f"/api/v1/appointments/{appt['id']}"
    assert client.get(base, headers=b).status_code == 404
    assert client.get(f"{base}/queue", headers=b).status_code == 404
    for action in ("cancel", "check-in"):
        r = client.post(f"{base}/{action}", headers=b)
        assert r.status_code == 404 and r.get_json()["code"] == "not_found"
    assert client.post(f"{base}/reschedule", headers=b, json={"slot_id": "x"}).status_code == 404
    assert client.get("/api/v1/appointments", headers=b).get_json()["items"] == []
    assert client.get(base, headers=a).get_json()["status"] == "booked"
    assert client.get(f"/api/v1/appointments/{'0' * 32}", headers=a).status_code == 404


def test_doctors_see_their_own_patients_and_admins_all(client, accounts, world):
    appt, _, _, _, doctor, stranger = _setup(client, accounts, world)
    base = f"/api/v1/appointments/{appt['id']}"
    assert client.get(base, headers=doctor).status_code == 200
    assert client.get(base, headers=stranger).status_code == 404
    assert client.get("/api/v1/appointments", headers=stranger).get_json()["items"] == []
    _, admin = accounts.admin()
    assert client.get(base, headers=admin).status_code == 200
    assert client.post(f"{base}/call", headers=accounts.patient()[1]).status_code == 403


def test_notifications_are_private(app, client, accounts):
    from clinic.notifications.services import notify_user

    account, a = accounts.patient()
    _, b = accounts.patient()
    with app.app_context():
        row = notify_user(account["id"], "test", "Hello")
        db.session.commit()
        notification_id = row.id
    assert client.get("/api/v1/notifications", headers=b).get_json()["items"] == []
    assert client.post(f"/api/v1/notifications/{notification_id}/read", headers=b).status_code == 404
    assert client.post(f"/api/v1/notifications/{notification_id}/read", headers=a).get_json()["is_read"] is True
    assert client.get("/api/v1/notifications?unread=true", headers=a).get_json()["items"] == []


def _actor(client, headers):
    me = client.get("/api/v1/me", headers=headers).get_json()
    return auth.Actor(me["id"], me["role"], me["name"], me["patient_id"], me["practitioner_id"])


def test_care_relationship_from_appointments(app, client, accounts, world):
    appt, _, a, _, doctor, stranger = _setup(client, accounts, world)
    treating, other = _actor(client, doctor), _actor(client, stranger)
    with app.app_context():
        assert auth.has_relationship(treating, "cares_for_patient", appt["patient_id"])
        assert not auth.has_relationship(other, "cares_for_patient", appt["patient_id"])
        assert auth.patients_in_scope(treating) == {appt["patient_id"]}
        assert auth.patients_in_scope(other) == set()
    client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=a)  # cancelling ends clinic's grant
    with app.app_context():
        # (records.care still reads the cancelled FHIR Appointment as care; see the closing note.)
        assert not cares_for_patient(treating, appt["patient_id"])


def test_family_doctor_binding(app, client, accounts, world):
    inst = world.institution()
    family_id, family_headers = world.doctor([inst], specialties=("general_medicine",), is_family_doctor=True)
    plain_id, _ = world.doctor([inst])
    account, patient = accounts.patient()
    assert client.get("/api/v1/family-doctor", headers=patient).status_code == 404
    assert client.put("/api/v1/family-doctor", headers=patient, json={"doctor_id": plain_id}).status_code == 422
    r = client.put("/api/v1/family-doctor", headers=patient, json={"doctor_id": family_id, "team": "Team A"})
    assert r.status_code == 200 and r.get_json()["doctor_id"] == family_id
    with app.app_context():
        assert family_doctor_of(account["patient_id"])["team"] == "Team A"
        assert auth.has_relationship(_actor(client, family_headers), "cares_for_patient", account["patient_id"])
