"""Loading and validating rule sets, including the shipped default."""

import copy
import json

import pytest
import yaml

from clinic.risk.engine.evaluation import evaluate
from clinic.risk.engine.ruleset import (CHECKPOINTS, DEFAULT_RULESET_FILE, RuleSetError, default_ruleset, load_ruleset,
                                        load_ruleset_file, validate_ruleset)
from tests.clinic.risk.engine.cases import build_facts, med

RAW = yaml.safe_load(DEFAULT_RULESET_FILE.read_text(encoding="utf-8"))


def minimal() -> dict:
    return {
        "version": "t.1", "title": "test", "params": {"limit": 30},
        "rules": [{
            "id": "r.one", "title": "One", "message": "m", "message_zh": "信息",
            "citation": "c", "checkpoints": ["prescribe"], "outcome": "deny",
            "condition": {"fact": "patient.age_years", "op": "gt", "value": {"param": "limit"}},
        }],
    }


def edit(path, value):
    """Return a function that sets a dotted path ('rules.0.outcome') in a rule set."""
    def apply(data):
        *parents, leaf = path.split(".")
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is KeyError:
            del node[leaf]
        elif isinstance(node, list):
            node[int(leaf)] = value
        else:
            node[leaf] = value
    return apply


def duplicate_rule(data):
    data["rules"].append(copy.deepcopy(data["rules"][0]))


@pytest.mark.parametrize(("change", "error"), [
    pytest.param(edit("rules.0.condition.op", "lte"), "rules[0].condition.op: unknown operator 'lte'", id="unknown-op"),
    pytest.param(edit("rules.0.condition", {"all": [{"fact": "patient.age_years", "op": "exists"}, {"predicate": "is_vip"}]}), "rules[0].condition.all[1].predicate: unknown predicate 'is_vip'", id="unknown-predicate"),
    pytest.param(edit("rules.0.message", KeyError), "rules[0].message: required, must be non-empty text", id="missing-message"),
    pytest.param(edit("rules.0.message_zh", "  "), "rules[0].message_zh: required, must be non-empty text", id="blank-message-zh"),
    pytest.param(edit("rules.0.citation", KeyError), "rules[0].citation: required, must be non-empty text", id="missing-citation"),
    pytest.param(duplicate_rule, "rules[1].id: duplicate rule id 'r.one' (first at rules[0])", id="duplicate-id"),
    pytest.param(edit("rules.0.checkpoints", ["prescribe", "dispense"]), "rules[0].checkpoints[1]: unknown checkpoint 'dispense'", id="bad-checkpoint"),
    pytest.param(edit("rules.0.checkpoints", []), "rules[0].checkpoints: required, must be a non-empty list", id="no-checkpoints"),
    pytest.param(edit("rules.0.outcome", "block"), "rules[0].outcome: unknown outcome 'block'", id="bad-outcome"),
    pytest.param(edit("rules.0.outcome", KeyError), "rules[0].outcome: required", id="missing-outcome"),
    pytest.param(edit("rules.0.urgency", "asap"), "rules[0].urgency: unknown urgency 'asap'", id="bad-urgency"),
    pytest.param(edit("rules.0.next_step", "pray"), "rules[0].next_step: unknown next step 'pray'", id="bad-next-step"),
    pytest.param(edit("rules.0.condition.value", {"param": "max_days"}), "rules[0].condition.value: undefined param 'max_days'", id="undefined-param"),
    pytest.param(edit("rules.0.condition", {"all": {"fact": "patient.age_years", "op": "exists"}}), "rules[0].condition.all: must be a list, got dict", id="all-not-list"),
    pytest.param(edit("rules.0.condition", KeyError), "rules[0].condition: required", id="missing-condition"),
    pytest.param(edit("rules.0.condition.fact", "patient.age"), "rules[0].condition.fact: unknown fact 'patient.age'", id="unknown-fact"),
    pytest.param(edit("rules.0.severity", "high"), "rules[0]: unknown key 'severity'", id="unknown-rule-key"),
    pytest.param(edit("owner", "me"), "(root): unknown key 'owner'", id="unknown-top-key"),
    pytest.param(edit("rules.0.id", "Rule One"), "rules[0].id: must be lower-case letters, digits, '.', '_' or '-'", id="bad-id"),
    pytest.param(edit("params.limit", {"value": 30}), "params.limit: must be a scalar or a list of scalars, got dict", id="bad-param-type"),
    pytest.param(edit("params.limit", ["30"]), "rules[0].condition.value: param 'limit' must be a number or a string, got list", id="param-wrong-for-use"),
    pytest.param(edit("params", [1]), "params: must be an object, got list", id="params-not-object"),
    pytest.param(edit("rules", []), "rules: required, must be a non-empty list", id="empty-rules"),
    pytest.param(edit("version", ""), "version: required, must be non-empty text", id="empty-version"),
    pytest.param(edit("version", 2026.1), "version: required, must be non-empty text", id="numeric-version"),
    pytest.param(edit("effective_from", "next monday"), "effective_from: must be an ISO date (YYYY-MM-DD), got 'next monday'", id="bad-date"),
    pytest.param(edit("rules.0.message", "Over {limitt} days"), "rules[0].message: placeholder {limitt} is not a defined param", id="bad-placeholder"),
    pytest.param(edit("rules.0", "deny everyone"), "rules[0]: a rule must be an object, got str", id="rule-not-object"),
])
def test_malformed_rule_sets_are_refused_with_precise_errors(change, error):
    data = minimal()
    change(data)
    assert error in validate_ruleset(data)
    with pytest.raises(RuleSetError) as refused:
        load_ruleset(data)
    assert error in refused.value.errors


def test_all_errors_are_reported_at_once():
    data = minimal()
    data["rules"][0].update(outcome="block", checkpoints=["dispense"])
    data["rules"][0]["condition"]["op"] = "lte"
    with pytest.raises(RuleSetError) as refused:
        load_ruleset(data)
    assert len(refused.value.errors) == 3
    assert "rules[0].outcome: unknown outcome 'block'" in str(refused.value)


def test_root_must_be_an_object():
    assert validate_ruleset(["rules"]) == ["(root): a rule set must be an object, got list"]


def test_minimal_rule_set_loads():
    ruleset = load_ruleset(minimal())
    assert ruleset.version == "t.1" and ruleset.rules[0].next_steps == ()
    assert ruleset.rules_for("book_online") == ()


def test_default_rule_set_is_valid_and_complete():
    assert validate_ruleset(RAW) == []
    ruleset = default_ruleset()
    assert ruleset.version == "2026.2" and ruleset.effective_from == "2026-01-01"
    assert all(rule.citation and rule.message_zh for rule in ruleset.rules)
    assert {c for rule in ruleset.rules for c in rule.checkpoints} == set(CHECKPOINTS)
    assert ruleset.params["max_days_supply"] == 30


def test_outcome_default_next_step_and_emergency_adds_120():
    data = minimal()
    data["rules"][0].update(outcome="needs_consent")
    assert load_ruleset(data).rules[0].next_steps == ("sign_protocol",)
    data["rules"][0].update(outcome="refer_offline", urgency="emergency")
    assert load_ruleset(data).rules[0].next_steps == ("call_emergency", "see_in_person")


def test_messages_are_filled_from_params():
    rule = next(r for r in default_ruleset().rules if r.id == "prescription.days_supply")
    assert "at most 30 days" in rule.message and "30天" in rule.message_zh


def test_new_version_with_longer_limit_changes_the_decision():
    data = copy.deepcopy(RAW)
    data["version"] = "2026.2"
    data["params"]["max_days_supply"] = 84  # 12 weeks for stable chronic patients
    facts = build_facts({"medications": [med("C09CA01", 84)]})
    assert evaluate(default_ruleset(), "prescribe", facts).decision == "deny"
    longer = evaluate(load_ruleset(data), "prescribe", facts)
    assert (longer.decision, longer.ruleset_version) == ("needs_pharmacist_review", "2026.2")
    assert "at most 84 days" in next(
        r.message for r in load_ruleset(data).rules if r.id == "prescription.days_supply")


def test_loaded_rule_set_is_isolated_from_its_source():
    data = minimal()
    ruleset = load_ruleset(data)
    data["params"]["limit"] = 1
    data["rules"][0]["condition"]["op"] = "lt"
    assert ruleset.params["limit"] == 30 and ruleset.rules[0].condition["op"] == "gt"
    with pytest.raises(TypeError):
        ruleset.params["limit"] = 2


def test_load_from_json_and_yaml_files(tmp_path):
    json_file = tmp_path / "rules.json"
    json_file.write_text(json.dumps(minimal()), encoding="utf-8")
    yaml_file = tmp_path / "rules.yaml"
    yaml_file.write_text(yaml.safe_dump(minimal(), allow_unicode=True), encoding="utf-8")
    assert load_ruleset_file(json_file).rules == load_ruleset_file(yaml_file).rules
