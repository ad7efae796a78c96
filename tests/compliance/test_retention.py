"""Retention over seeded data at the boundary: a run removes exactly what is past its period (one second past:
gone; on the dot or within: kept), never what a hold keeps; a dry run counts and removes nothing; the rules are
data with legal minimums; a patient's erasure request is honoured as far as the minimums allow."""
from datetime import timedelta

from sqlalchemy import func, select

from clinic.consult import ConsultAttachment, Consultation, ConsultMessage
from core import clock
from core.extensions import db
from core.models import AuditEntry
from tests.clinic.consult.helpers import make_room

THREE_YEARS = timedelta(days=1096)


def _seed(app, now):
    """Consultations of patients p-old, p-edge, p-held and p-new ended around the 3-year boundary, each with a
    message and an attachment; audit entries around the 3-year boundary."""
    room_id = make_room(app)
    ended = {"p-old": now - THREE_YEARS - timedelta(seconds=1), "p-edge": now - THREE_YEARS,
             "p-held": now - THREE_YEARS - timedelta(days=30), "p-new": now - THREE_YEARS + timedelta(days=1)}
    with app.app_context():
        for n, (patient, at) in enumerate(ended.items()):
            cid = f"c-{patient}"
            db.session.add(Consultation(id=cid, room_id=room_id, patient_id=patient, patient_user_id=f"u{n}",
                                        doctor_user_id="doc", status="closed", invited_at=at, ended_at=at))
            db.session.flush()
            db.session.add(ConsultAttachment(id=f"a-{patient}", consultation_id=cid, uploader_user_id=f"u{n}",
                                             filename="scan.png", media_type="image/png", size=3, sha256="0" * 64,
                                             content=b"png", created_at=at))
            db.session.flush()
            db.session.add(ConsultMessage(consultation_id=cid, seq=1, client_id="m1", sender_user_id=f"u{n}",
                                          sender_role="patient", text="my blood pressure", created_at=at,
                                          attachment_id=f"a-{patient}"))
            db.session.add(AuditEntry(at=at, action="read", entity=f"Patient/{patient}",
                                      patient_ref=f"Patient/{patient}", outcome="success", role="doctor"))
        db.session.commit()


def _left(app, model, column):
    with app.app_context():
        return sorted(value for value in db.session.scalars(select(column).select_from(model)) if value)


def _run(client, admin, dry_run):
    r = client.post("/api/v1/retention/runs", json={"dry_run": dry_run}, headers=admin)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["report"]


def test_a_run_at_the_boundary_removes_only_what_is_past_and_not_held(app, client, world):
    now = clock.now().replace(microsecond=0)
    clock.set_clock(lambda: now)
    _seed(app, now)
    admin = world.admin
    r = client.post("/api/v1/holds", json={"target_type": "Consultation", "target_id": "c-p-held", "reason": "case"},
                    headers=admin)
    assert r.status_code == 201, r.get_json()
    audit_before = _left(app, AuditEntry, AuditEntry.patient_ref)
    dry = _run(client, admin, True)
    assert dry["consultation_messages"] == {**dry["consultation_messages"], "eligible": 2, "held": 1, "removed": 0}
    assert _left(app, ConsultMessage, ConsultMessage.consultation_id) == ["c-p-edge", "c-p-held", "c-p-new", "c-p-old"]

    report = _run(client, admin, False)
    assert report["consultation_messages"]["removed"] == 1 and report["consultation_attachments"]["removed"] == 1
    assert report["consultation_attachments"]["held"] == 1
    assert _left(app, ConsultMessage, ConsultMessage.consultation_id) == ["c-p-edge", "c-p-held", "c-p-new"]
    assert _left(app, ConsultAttachment, ConsultAttachment.id) == ["a-p-edge", "a-p-held", "a-p-new"]
    # audit log: 3 years by default, the held consultation's patient kept
    assert report["audit_log"]["removed"] == 1
    assert set(audit_before) - set(_left(app, AuditEntry, AuditEntry.patient_ref)) == {"Patient/p-old"}
    assert report["clinical_records"]["action"] == "purge"  # 15 years: none of these patients yet
    assert report["clinical_records"]["eligible"] == 0
    runs = client.get("/api/v1/retention/runs", headers=admin).get_json()["items"]
    assert sorted(run["dry_run"] for run in runs) == [False, True]  # both at the frozen now


def test_rules_are_data_with_legal_minimums(app, client, world):
    admin = world.admin
    rules = {r["kind"]: r for r in client.get("/api/v1/retention/rules", headers=admin).get_json()["items"]}
    assert rules["clinical_records"]["minimum_days"] >= 15 * 365
    r = client.put("/api/v1/retention/rules/clinical_records", json={"period_days": 3650}, headers=admin)
    assert r.status_code == 422 and r.get_json()["code"] == "below_legal_minimum"
    r = client.put("/api/v1/retention/rules/audit_log", json={"period_days": 400}, headers=admin)
    assert r.status_code == 200 and r.get_json()["period_days"] == 400
    assert client.put("/api/v1/retention/rules/nothing", json={"period_days": 400}, headers=admin).status_code == 404


def test_an_erasure_request_is_honoured_as_far_as_the_minimum_allows(app, client, world):
    now = clock.now().replace(microsecond=0)
    clock.set_clock(lambda: now)
    _seed(app, now)
    admin = world.admin
    r = client.put("/api/v1/retention/rules/consultation_messages", json={"period_days": 5000}, headers=admin)
    assert r.status_code == 200
    client.put("/api/v1/retention/rules/consultation_attachments", json={"period_days": 5000}, headers=admin)
    for patient in ("p-old", "p-new"):
        r = client.post("/api/v1/retention/erasure-requests", json={"patient_id": patient}, headers=admin)
        assert r.status_code == 201, r.get_json()
    report = _run(client, admin, False)
    assert report["consultation_messages"]["removed"] == 0  # the hospital's own period: 5000 days
    erased = {e["patient"]: e for e in report["erasure_requests"]}
    assert erased["p-old"]["erased"] == {"consultation_messages": 1, "consultation_attachments": 1, "clinical_records": 0}
    assert erased["p-new"]["waiting"] == {"consultation_messages": 1, "consultation_attachments": 1,
                                         "clinical_records": 0}
    requests = {e["patient_id"]: e for e in client.get("/api/v1/retention/erasure-requests",
                                                       headers=admin).get_json()["items"]}
    assert requests["p-old"]["status"] == "honoured" and requests["p-new"]["status"] == "pending"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConsultMessage)
                                 .where(ConsultMessage.consultation_id == "c-p-old")) == 0


def test_a_patient_asks_for_their_own_erasure(client, world, regulator):
    _, patient = world.patient()
    r = client.post("/api/v1/retention/erasure-requests", json={}, headers=patient)
    assert r.status_code == 201 and r.get_json()["status"] == "pending"
    again = client.post("/api/v1/retention/erasure-requests", json={"patient_id": "someone-else"}, headers=patient)
    assert again.get_json()["id"] == r.get_json()["id"]  # their own, once
    assert client.get("/api/v1/retention/runs", headers=regulator).status_code == 403
    assert client.post("/api/v1/retention/runs", json={}, headers=patient).status_code == 403
