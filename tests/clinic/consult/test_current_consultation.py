"""GET /consultations/current: the caller's consultation under way, for the doctor and the patient, so a
reloaded app resumes it; none once it has ended, and never someone else's."""
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry
from tests.clinic.consult.helpers import join, make_doctor, start_consultation

END = {"note": "Stable.", "diagnoses": [{"code": "I10", "display": "Hypertension"}]}


def _current(client, party):
    return client.get("/api/v1/consultations/current", headers=party.headers)


def test_both_participants_find_the_consultation_under_way_until_it_ends(app, accounts, client, queue):
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    for party in (doctor, patient):  # invited
        r = _current(client, party)
        assert r.status_code == 200 and r.get_json()["id"] == consultation["id"], r.get_json()
        assert r.get_json()["status"] == "invited"
    tc, ack = join(app, patient, consultation["id"])
    assert ack["ok"], ack
    assert _current(client, doctor).get_json()["status"] == "active"
    with app.app_context():
        reads = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == f"Consultation/{consultation['id']}",
                                                            AuditEntry.detail.like("%current%"))).all()
        assert {e.user_id for e in reads} == {doctor.user_id, patient.user_id}

    assert client.post(f"/api/v1/consultations/{consultation['id']}/end", json=END,
                       headers=doctor.headers).status_code == 200
    for party in (doctor, patient):
        r = _current(client, party)
        assert r.status_code == 404 and r.get_json()["code"] == "no_current_consultation"


def test_nobody_else_sees_it(app, accounts, client, queue):
    start_consultation(app, accounts, client, queue)
    stranger = make_doctor(app, accounts, username="drzhou")
    assert _current(client, stranger).status_code == 404
    _, admin = accounts.admin()
    assert client.get("/api/v1/consultations/current", headers=admin).status_code == 404
    assert client.get("/api/v1/consultations/current").status_code == 401
