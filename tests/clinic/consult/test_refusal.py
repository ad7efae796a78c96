"""A start refused by risk control leaves nothing half-done: the request rolls back (no consultation, no
participants, the room free), and one transaction keeps the audited decision and its effect (the
appointment referred in person, both parties told)."""
from sqlalchemy import func, select

from clinic.appointments import Appointment
from clinic.consult.models import Consultation, ConsultParticipant, ConsultRoom
from clinic.risk.models import RiskDecisionLog
from core.extensions import db
from core.models import AuditEntry
from tests.clinic.consult.helpers import NS, Party, checked_in_with_real_queue, socket_for


def test_a_refused_call_next_keeps_only_the_audited_decision_and_the_referral(app, client, accounts, world):
    account, patient, doctor, appointment, room_id = checked_in_with_real_queue(app, client, accounts, world)
    listener = socket_for(app, Party(account["id"], patient, account["patient_id"], account))

    # J45 was never diagnosed in person: not a follow-up, so the start is referred offline.
    refused = client.post(f"/api/v1/rooms/{room_id}/call-next", json={"complaint_code": "J45"}, headers=doctor)
    assert refused.status_code == 422 and refused.get_json()["code"] == "not_eligible", refused.get_json()
    decision_id = refused.get_json()["decision_id"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0
        assert db.session.scalar(select(func.count()).select_from(ConsultParticipant)) == 0
        assert db.session.get(ConsultRoom, room_id).current_consultation_id is None
        decision = db.session.get(RiskDecisionLog, decision_id)
        assert decision.checkpoint == "start_consultation" and decision.decision == "refer_offline"
        assert decision.context == f"Appointment/{appointment['id']}"
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "risk-evaluate", AuditEntry.entity == f"RiskDecision/{decision_id}")) == 1
        assert db.session.get(Appointment, appointment["id"]).status == "referred"
    told = [e["args"][0] for e in listener.get_received(NS) if e["name"] == "consultation_refused"]
    assert told and told[0]["appointment_id"] == appointment["id"] and told[0]["reasons"]
    # The referred patient has left the queue: the doctor is not stuck on them.
    again = client.post(f"/api/v1/rooms/{room_id}/call-next", json={}, headers=doctor)
    assert again.status_code == 409 and again.get_json()["code"] == "queue_empty"
