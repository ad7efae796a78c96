"""Risk control's public surface: the checks at each checkpoint (gather facts, evaluate the active
rules, log and explain), and what the rest of the clinic reads of consents, guardians and rule sets.

Every evaluation is stored in the decision log and audited; a refusal always carries next steps
and, for refer_offline, where to go in person (family doctor, nearest primary institutions).
"""
from clinic.risk import decisions
from clinic.risk.consents import consent_status, ensure_protocol, sign_consent  # noqa: F401  (public surface)
from clinic.risk.engine import evaluate
from clinic.risk.engine.ruleset import OUTCOMES
from clinic.risk.facts_gathering import gather_facts
from clinic.risk.guardians import active_guardian_user_ids  # noqa: F401  (public surface)
from clinic.risk.rulesets import (active_ruleset, active_version_row, ensure_default_published,  # noqa: F401
                                  publish_packaged)
from core.audit import record_access
from core.errors import ApiError

EMERGENCY_NUMBER = "120"
_referral_finder = None  # fn(patient_id, specialty, near) -> {"family_doctor": ..., "institutions": [...]}
_doctor_lookup = None  # fn(practitioner_id) -> {"specialties": [...]} or None
STABILITY_RULE_PREFIX = "stability."


def set_doctor_lookup(lookup):
    """Install the directory lookup of a doctor's specialties (the clinic directory registers it)."""
    global _doctor_lookup
    _doctor_lookup = lookup


def doctor_facts(practitioner_id):
    """The doctor's specialties for the rules, or None when the directory does not know them."""
    return _doctor_lookup(practitioner_id) if _doctor_lookup else None


def set_referral_finder(finder):
    """Install the directory lookup used for referrals (the clinic directory registers it)."""
    global _referral_finder
    _referral_finder = finder


def referral_for(patient_id, specialty=None, near=None):
    """Where to go in person: the family doctor and nearby primary institutions."""
    return _referral_finder(patient_id, specialty, near) if _referral_finder else {"family_doctor": None,
                                                                                   "institutions": []}


def check(actor, checkpoint, patient_id, *, complaint_code=None, medications=None, guardian_present=None,
          doctor=None, condition_changed=False, context=None, specialty=None, near=None):
    """Evaluate the active rules for one checkpoint; return the API answer (decision, reasons, referral...)."""
    if not decisions.may_see_patient(actor, patient_id) and actor.role != "system":
        record_access(actor, "risk-evaluate", entity="RiskDecision", patient_ref=f"Patient/{patient_id}",
                      outcome="denied", detail={"reason": "no care relationship with the patient",
                                                "checkpoint": checkpoint})
        raise ApiError(403, "forbidden", "You may not check eligibility for this patient.")
    facts = gather_facts(patient_id, complaint_code=complaint_code, medications=medications,
                         guardian_present=guardian_present, doctor=doctor, condition_changed=condition_changed)
    decision = evaluate(active_ruleset(), checkpoint, facts)
    row = decisions.log_decision(actor, patient_id, decision, facts, context)
    answer = {
        "decision": decision.decision,
        "allowed_online": decision.decision in ("allow", "needs_pharmacist_review"),
        "reasons": [r.to_dict() for r in decision.reasons],
        "next_steps": list(decision.next_steps),
        "urgency": decision.urgency,
        "ruleset_version": decision.ruleset_version,
        "decision_id": row.id,
    }
    if decision.urgency == "emergency":
        answer["emergency_number"] = EMERGENCY_NUMBER
    if decision.decision == "refer_offline":
        answer["referral"] = referral_for(patient_id, specialty, near)
    return answer


def require_allowed(answer, what):
    """Raise the 422 problem the apps show when online care may not go on."""
    if answer["allowed_online"]:
        return
    raise ApiError(422, "not_eligible", f"Online {what} is not possible now: see the reasons and next steps.",
                   title="Not eligible for online treatment",
                   **{k: answer[k] for k in ("decision", "reasons", "next_steps", "urgency", "ruleset_version",
                                              "decision_id") if k in answer},
                   referral=answer.get("referral"))


def assess_triage(triage_facts):
    """How the stability rules judge a triage on its own: stable, or refer offline (with urgency)."""
    ruleset = active_ruleset()
    decision = evaluate(ruleset, "start_consultation", {"triage": triage_facts})
    fired = [r for r in decision.reasons if r.rule_id.startswith(STABILITY_RULE_PREFIX)]
    worst = min((r.outcome for r in fired), key=OUTCOMES.index, default="allow")
    urgency = "emergency" if any(r.urgency == "emergency" for r in fired) else (
        "urgent" if fired else None)
    return {"stable": not fired, "outcome": worst, "urgency": urgency, "ruleset_version": ruleset.version,
            "reasons": [r.to_dict() for r in fired],
            **({"emergency_number": EMERGENCY_NUMBER} if urgency == "emergency" else {})}
