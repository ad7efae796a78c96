"""The decision log: every evaluation stored with who, checkpoint, facts used, decision, rules fired
and rule-set version; visible to the patient (their own), their doctors and admins."""
import json

from sqlalchemy import select

from clinic.risk.engine.facts import pick_facts
from clinic.risk.models import RiskDecisionLog
from core import clock, reporting
from core.audit import record_access
from core.auth import has_relationship
from core.errors import ApiError
from core.extensions import db
from core.transaction import keep_on_error
from core.types import new_id

ALLOWED_ONLINE = ("allow", "needs_pharmacist_review")


def log_decision(actor, patient_id, decision, facts, context=None):
    """Store one evaluation (with exactly the facts the rules read) and audit it."""
    # Kept even when the request then fails: a refused booking's decision is the one most worth keeping.
    row = keep_on_error(
        RiskDecisionLog, id=new_id(), at=clock.now(), patient_id=patient_id, actor_user_id=actor.user_id,
        actor_role=actor.role,
        checkpoint=decision.checkpoint, decision=decision.decision, ruleset_version=decision.ruleset_version,
        reasons=json.dumps([r.to_dict() for r in decision.reasons], ensure_ascii=False),
        next_steps=json.dumps(list(decision.next_steps)),
        facts=json.dumps(pick_facts(facts, decision.facts_used), default=str, ensure_ascii=False),
        context=context,
    )
    db.session.flush()
    record_access(actor, "risk-evaluate", entity=f"RiskDecision/{row.id}", patient_ref=f"Patient/{patient_id}",
                  detail={"checkpoint": row.checkpoint, "decision": row.decision,
                          "ruleset_version": row.ruleset_version}, durable=True)
    if decision.decision not in ALLOWED_ONLINE:  # a refusal is reported to the regulator even if the request fails
        reporting.report("risk_control.refused", f"RiskDecision/{row.id}", f"risk-{row.id}", actor=actor,
                         patient_ref=f"Patient/{patient_id}", durable=True,
                         payload={"checkpoint": row.checkpoint, "decision": row.decision, "context": context,
                                  "ruleset_version": row.ruleset_version,
                                  "rules": [r.rule_id for r in decision.reasons if r.outcome != "allow"]})
    return row


def may_see_patient(actor, patient_id):
    """A patient sees their own; a doctor those in their care; an admin everyone."""
    if actor.is_admin:
        return True
    if actor.role == "patient":
        return actor.patient_id == patient_id
    return actor.role == "doctor" and has_relationship(actor, "cares_for_patient", patient_id)


def list_decisions(actor, patient_id, page):
    """The page (a core.pagination.Page) of the decision log for a patient (a patient's own by default), newest
    first; audited."""
    patient_id = patient_id or actor.patient_id
    if actor.is_admin and patient_id is None:
        stmt = select(RiskDecisionLog)
    elif patient_id and may_see_patient(actor, patient_id):
        stmt = select(RiskDecisionLog).where(RiskDecisionLog.patient_id == patient_id)
    else:
        record_access(actor, "search", entity="RiskDecision", patient_ref=patient_id and f"Patient/{patient_id}",
                      outcome="denied")
        raise ApiError(403, "forbidden", "You may not read this patient's risk decisions.")
    rows = page.rows(stmt.order_by(RiskDecisionLog.at.desc(), RiskDecisionLog.id))
    record_access(actor, "search", entity="RiskDecision", patient_ref=patient_id and f"Patient/{patient_id}",
                  detail={"returned": len(rows)})
    return rows


def decision_to_dict(row):
    """A log row as API data."""
    return {"id": row.id, "at": row.at.isoformat(), "patient_id": row.patient_id, "checkpoint": row.checkpoint,
            "decision": row.decision, "ruleset_version": row.ruleset_version,
            "reasons": json.loads(row.reasons), "next_steps": json.loads(row.next_steps),
            "facts": json.loads(row.facts), "context": row.context, "actor_role": row.actor_role}
