"""The default rule set, decision by decision, and the shape of a Decision."""

import json

import pytest

from clinic.risk.engine import catalogue
from clinic.risk.engine.evaluation import evaluate
from clinic.risk.engine.ruleset import OUTCOMES, default_ruleset
from tests.clinic.risk.engine.cases import CASES, RED_EMERGENCY, build_facts, med


@pytest.mark.parametrize(("checkpoint", "changes", "decision", "fired"), CASES)
def test_default_rules_decide(checkpoint, changes, decision, fired):
    result = evaluate(default_ruleset(), checkpoint, build_facts(changes))
    assert result.decision == decision
    assert tuple(r.rule_id for r in result.reasons) == fired


@pytest.mark.parametrize("code", sorted(catalogue.red_flag_codes("emergency")))
def test_every_emergency_red_flag_calls_120(code):
    result = evaluate(default_ruleset(), "start_consultation", build_facts({"triage.symptoms": [code]}))
    assert (result.decision, result.urgency) == ("refer_offline", "emergency")
    assert result.next_steps[0] == "call_emergency"


def test_decision_to_dict_shape():
    facts = build_facts({"triage.symptoms": ["29857009"], "consent.status": "expired"})
    data = evaluate(default_ruleset(), "book_online", facts).to_dict()
    assert set(data) == {"decision", "checkpoint", "ruleset_version", "urgency",
                         "reasons", "next_steps", "facts_used"}
    assert data["decision"] == "refer_offline"
    assert data["ruleset_version"] == "2026.2"
    assert data["urgency"] == "emergency"
    assert [r["rule_id"] for r in data["reasons"]] == [RED_EMERGENCY, "consent.protocol_signed"]
    first = data["reasons"][0]
    assert set(first) == {"rule_id", "title", "message", "message_zh", "citation", "outcome", "urgency"}
    assert "120" in first["message"] and "120" in first["message_zh"]
    assert data["next_steps"] == ["call_emergency", "sign_protocol"]
    json.dumps(data)  # JSON-ready for the decision log


def test_next_steps_deduplicated_and_ordered_by_importance():
    facts = build_facts({"medications": [med("N02AA01", 60)], "visit.condition_changed": True,
                         "consent.status": "missing"})
    result = evaluate(default_ruleset(), "prescribe", facts)
    assert result.next_steps == ("see_in_person", "remove_restricted_drug", "reduce_days_supply",
                                 "sign_protocol", "await_pharmacist_review")


def test_reasons_sorted_by_severity_then_id():
    facts = build_facts({"patient.age_years": 2, "triage": {"present": False},
                         "consent.status": "revoked", "visit.is_follow_up": False})
    reasons = evaluate(default_ruleset(), "start_consultation", facts).reasons
    keys = [(OUTCOMES.index(r.outcome), r.rule_id) for r in reasons]
    assert keys == sorted(keys) and len(keys) == 5


def test_facts_used_lists_what_the_checkpoint_rules_read():
    used = evaluate(default_ruleset(), "book_online", build_facts({})).facts_used
    assert "consent.status" in used and "triage.vitals.spo2" in used
    # Only booking rules ran: consultation-only and prescription facts were not read.
    assert "triage.age_hours" not in used and "medications" not in used
    assert "visit.condition_changed" not in used
    assert list(used) == sorted(set(used))


def test_facts_used_includes_facts_that_were_missing():
    used = evaluate(default_ruleset(), "start_consultation", {}).facts_used
    assert {"visit.is_follow_up", "consent.status", "triage.present"} <= set(used)


def test_empty_facts_fail_safe_at_every_checkpoint():
    for checkpoint in ("book_online", "start_consultation", "prescribe"):
        assert evaluate(default_ruleset(), checkpoint, {}).decision != "allow"


def test_allowed_property_only_for_allow():
    assert evaluate(default_ruleset(), "book_online", build_facts({})).allowed
    assert not evaluate(default_ruleset(), "prescribe", build_facts({})).allowed


def test_unknown_checkpoint_is_refused():
    with pytest.raises(ValueError, match="unknown checkpoint 'dispense'"):
        evaluate(default_ruleset(), "dispense", build_facts({}))


def test_facts_must_be_a_mapping():
    with pytest.raises(TypeError):
        evaluate(default_ruleset(), "book_online", [("consent", {})])


def test_evaluate_does_not_mutate_facts():
    facts = build_facts({"medications": [med("N05BA01", 40)]})
    before = json.dumps(facts, sort_keys=True)
    evaluate(default_ruleset(), "prescribe", facts)
    assert json.dumps(facts, sort_keys=True) == before
