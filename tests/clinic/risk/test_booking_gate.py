"""The risk gate at online booking: an ineligible patient gets 422 with reasons and referral; an
eligible one books; both evaluations are in the decision log and the audit trail."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clinic.appointments import Appointment
from clinic.risk.models import RiskDecisionLog
from core import clock
from core.extensions import db
from core.models import AuditEntry
from tests.clinic.conftest import book
from tests.clinic.risk.helpers import eligible_patient


def _online_slot(world, **doctor):
    family = world.institution(kind="primary")
    cloud = world.institution(kind="hospital")
    doctor_id, _ = world.doctor([cloud], **doctor)
    start = clock.now().replace(microsecond=0, second=0, minute=0) + timedelta(hours=48)
    return world.slot(doctor_id, cloud, start, kind="online"), family


@pytest.mark.parametrize("idempotency_key", [None, "k-refused"])
def test_a_first_visit_cannot_book_online_and_is_referred(app, client, accounts, world, idempotency_key):
    slot_id, family_institution = _online_slot(world)
    _, patient = accounts.patient()
    if idempotency_key:  # the refusal is stored with the key: the decision and its audit entry must survive too
        patient = {**patient, "Idempotency-Key": idempotency_key}
    r = book(client, patient, slot_id, kind="online", reason="I10 blood pressure review")
    body = r.get_json()
    assert r.status_code == 422 and body["code"] == "not_eligible"
    assert {x["rule_id"] for x in body["reasons"]} == {"visit.follow_up_only", "consent.protocol_signed"}
    assert body["decision"] == "refer_offline" and body["next_steps"][:1] == ["see_in_person"]
    assert all(x["message"] for x in body["reasons"])
    assert family_institution in {i["id"] for i in body["referral"]["institutions"]}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 0
        # The refusal was decided and is kept although the booking rolled back.
        log = db.session.scalars(select(RiskDecisionLog)).one()
        assert (log.checkpoint, log.decision, log.context) == ("book_online", "refer_offline", f"slot:{slot_id}")
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "risk-evaluate")) == 1


def test_an_eligible_patient_books_online_with_the_complaint_from_the_reason(app, client, accounts, world):
    slot_id, _ = _online_slot(world)
    _, patient = eligible_patient(app, client, accounts, code="I10")
    r = book(client, patient, slot_id, kind="online", reason="I10 follow-up")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["complaint_code"] == "I10"
    decisions = client.get("/api/v1/risk/decisions", headers=patient).get_json()["items"]
    assert [d["decision"] for d in decisions] == ["allow"]


def _four_years_old():
    today = clock.now().date()
    return today.replace(year=today.year - 4, day=min(today.day, 28))


def _outcomes(answer):
    return [(reason["rule_id"], reason["outcome"]) for reason in answer["reasons"]]


def test_a_child_under_six_needs_a_paediatrician(app, client, accounts, world):
    slot_id, _ = _online_slot(world, specialties=("hypertension",))
    _, child = eligible_patient(app, client, accounts, born=_four_years_old())
    r = book(client, child, slot_id, kind="online", complaint_code="I10")
    assert r.status_code == 422 and r.get_json()["decision"] == "needs_paediatrician"
    # Every unmet condition is named with its own outcome, the most restrictive first.
    assert _outcomes(r.get_json()) == [("child.paediatric_doctor", "needs_paediatrician"),
                                       ("child.guardian_registered", "needs_guardian")]
    assert r.get_json()["next_steps"] == ["choose_paediatric_doctor", "register_guardian"]


def test_a_child_under_six_books_a_paediatrician_online_only_with_a_registered_guardian(app, client, accounts, world):
    slot_id, _ = _online_slot(world, specialties=("paediatrics",))
    _, child = eligible_patient(app, client, accounts, born=_four_years_old(), name="Xiao Ming")
    mother, mother_headers = accounts.patient(name="Wang Fang")
    # The pre-check before a doctor is chosen names what is still needed instead of a final no.
    precheck = client.post("/api/v1/eligibility", headers=child, json={"checkpoint": "book_online",
                                                                        "complaint_code": "I10"}).get_json()
    assert precheck["decision"] == "needs_paediatrician"
    assert _outcomes(precheck) == [("child.paediatric_doctor", "needs_paediatrician"),
                                   ("child.guardian_registered", "needs_guardian")]
    refused = book(client, child, slot_id, kind="online", complaint_code="I10")
    assert refused.status_code == 422 and refused.get_json()["decision"] == "needs_guardian"
    assert _outcomes(refused.get_json()) == [("child.guardian_registered", "needs_guardian")]
    assert refused.get_json()["next_steps"] == ["register_guardian"]
    # A registration the guardian has not accepted yet is not a guardian.
    guardian_id = client.post("/api/v1/guardians", headers=child, json={
        "guardian_username": mother["phone"], "relationship": "MTH"}).get_json()["id"]
    assert book(client, child, slot_id, kind="online", complaint_code="I10").status_code == 422
    assert client.post(f"/api/v1/guardians/{guardian_id}/accept", headers=mother_headers).status_code == 200
    booked = book(client, child, slot_id, kind="online", complaint_code="I10")
    assert booked.status_code == 201, booked.get_json()
    with app.app_context():
        decisions = [d.decision for d in db.session.scalars(
            select(RiskDecisionLog).where(RiskDecisionLog.checkpoint == "book_online").order_by(RiskDecisionLog.at))]
    assert sorted(decisions) == ["allow", "needs_guardian", "needs_guardian", "needs_paediatrician"]


def test_in_person_bookings_are_not_gated(client, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    start = clock.now().replace(microsecond=0, second=0, minute=0) + timedelta(hours=48)
    slot_id = world.slot(doctor_id, inst, start)
    _, patient = accounts.patient()
    assert book(client, patient, slot_id).status_code == 201
