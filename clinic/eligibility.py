"""The risk-control hook of online booking.

`check_booking` is the one place the risk-control feature plugs in (it will build facts and call
`clinic.risk.evaluate(default_ruleset(), "book_online", facts)`); for now it allows everything.
`ensure_eligible` turns a decision other than allow into a 422 problem with the reasons and
referral suggestions (nearest suitable institutions, the family doctor).
"""
from core.errors import ApiError


def check_booking(actor, patient_id, slot, body):
    """Decide whether `patient_id` may book the online `slot`: {decision, reasons, referral}."""
    return {"decision": "allow", "reasons": [], "referral": []}


def ensure_eligible(actor, patient_id, slot, body):
    """Raise 422 `not_eligible` (reasons [{rule_id, message}], referral) unless the decision is allow."""
    decision = check_booking(actor, patient_id, slot, body)
    if decision.get("decision") == "allow":
        return decision
    reasons = [{"rule_id": r.get("rule_id"), "message": r.get("message")} for r in decision.get("reasons", [])]
    raise ApiError(422, "not_eligible", "Online care is not suitable for this booking; see the reasons and referral.",
                   title="Not eligible for online booking", decision=decision.get("decision"),
                   reasons=reasons, referral=list(decision.get("referral", [])))
