"""The condition language: operators, missing facts, params, predicates, validation."""

import pytest

from clinic.risk.engine.conditions import (MISSING, FactView, ParamSpec, Predicate, evaluate_condition,
                                           validate_condition)
from clinic.risk.engine.predicates import REGISTRY

FACTS = {
    "patient": {"age_years": 5, "nickname": None},
    "doctor": {"specialties": ["paediatrics", "general_practice"], "name": "Dr Wang"},
    "consent": {"status": "valid"},
    "visit": {"is_follow_up": True, "zero": 0},
}
PARAMS = {"child_age": 6, "okay": ["valid"], "flag": "paediatrics"}


def check(cond, facts=FACTS):
    return evaluate_condition(cond, FactView(facts), PARAMS, REGISTRY)


def cmp(fact, op, value=None):
    cond = {"fact": fact, "op": op}
    if op not in ("exists", "missing"):
        cond["value"] = value
    return cond


@pytest.mark.parametrize(("cond", "expected"), [
    pytest.param(cmp("patient.age_years", "eq", 5), True, id="eq"),
    pytest.param(cmp("patient.age_years", "ne", 5), False, id="ne"),
    pytest.param(cmp("patient.age_years", "lt", 6), True, id="lt"),
    pytest.param(cmp("patient.age_years", "lt", 5), False, id="lt-equal-is-false"),
    pytest.param(cmp("patient.age_years", "le", 5), True, id="le"),
    pytest.param(cmp("patient.age_years", "gt", 4.5), True, id="gt-float"),
    pytest.param(cmp("patient.age_years", "ge", 5), True, id="ge"),
    pytest.param(cmp("consent.status", "in", ["valid", "expired"]), True, id="in"),
    pytest.param(cmp("consent.status", "not_in", ["valid"]), False, id="not_in"),
    pytest.param(cmp("doctor.specialties", "contains", "paediatrics"), True, id="contains-list"),
    pytest.param(cmp("doctor.name", "contains", "Wang"), True, id="contains-text"),
    pytest.param(cmp("doctor.specialties", "intersects", ["surgery", "general_practice"]), True, id="intersects"),
    pytest.param(cmp("doctor.specialties", "intersects", ["surgery"]), False, id="intersects-none"),
    pytest.param(cmp("visit.zero", "exists"), True, id="zero-is-present"),
    pytest.param(cmp("visit.zero", "eq", False), False, id="zero-is-not-false"),
    pytest.param(cmp("visit.is_follow_up", "eq", 1), False, id="true-is-not-one"),
    pytest.param(cmp("consent.status", "lt", 3), False, id="text-vs-number-is-false"),
    pytest.param(cmp("patient.age_years", "lt", {"param": "child_age"}), True, id="param-ref"),
    pytest.param(cmp("consent.status", "in", {"param": "okay"}), True, id="param-list-ref"),
])
def test_operators(cond, expected):
    assert check(cond) is expected


@pytest.mark.parametrize(("op", "value", "expected"), [
    pytest.param("eq", 1, False, id="eq"),
    pytest.param("ne", 1, False, id="ne-is-false-too"),
    pytest.param("lt", 1, False, id="lt"),
    pytest.param("not_in", [1], False, id="not_in-is-false-too"),
    pytest.param("contains", 1, False, id="contains"),
    pytest.param("exists", None, False, id="exists"),
    pytest.param("missing", None, True, id="missing"),
])
@pytest.mark.parametrize("path", ["patient.weight", "nothing.at.all", "patient.nickname",
                                  "patient.age_years.deeper"])
def test_missing_fact_semantics(path, op, value, expected):
    assert check(cmp(path, op, value)) is expected


def test_not_of_comparison_on_missing_fact_fails_safe():
    assert check({"not": cmp("consent.status", "eq", "valid")}, facts={}) is True
    assert check({"not": cmp("consent.status", "eq", "valid")}) is False


@pytest.mark.parametrize(("cond", "expected"), [
    pytest.param({"all": []}, True, id="empty-all-is-true"),
    pytest.param({"all": [cmp("visit.zero", "eq", 0), cmp("patient.age_years", "eq", 5)]}, True, id="all"),
    pytest.param({"all": [cmp("visit.zero", "eq", 0), cmp("patient.age_years", "eq", 4)]}, False, id="all-one-false"),
    pytest.param({"any": [cmp("visit.zero", "eq", 1), cmp("patient.age_years", "eq", 5)]}, True, id="any"),
    pytest.param({"not": {"any": [cmp("visit.zero", "eq", 1)]}}, True, id="not-any"),
])
def test_boolean_forms(cond, expected):
    assert check(cond) is expected


def test_every_branch_is_read_so_facts_used_is_order_free():
    view = FactView(FACTS)
    cond = {"any": [cmp("patient.age_years", "eq", 5), cmp("consent.status", "eq", "x")]}
    assert evaluate_condition(cond, view, PARAMS, REGISTRY) is True
    assert view.used == {"patient.age_years", "consent.status"}


def test_fact_view_returns_missing_sentinel():
    view = FactView(FACTS)
    assert view.get("patient.nickname") is MISSING
    assert view.get("visit.zero") == 0


def test_custom_predicate_gets_resolved_params():
    seen = {}

    def older_than(facts, params):
        seen.update(params)
        return facts.get("patient.age_years") > params["years"]

    registry = {"older_than": Predicate(older_than, {"years": ParamSpec("integer")})}
    cond = {"predicate": "older_than", "params": {"years": {"param": "child_age"}}}
    assert evaluate_condition(cond, FactView(FACTS), PARAMS, registry) is False
    assert seen == {"years": 6}


RED = {"predicate": "red_flag_symptom", "params": {"urgency": "emergency"}}


@pytest.mark.parametrize(("cond", "error"), [
    pytest.param(cmp("patient.age_years", "lte", 5), "c.op: unknown operator 'lte'", id="unknown-op"),
    pytest.param({"fact": "patient.age_years", "value": 5}, "c.op: required", id="no-op"),
    pytest.param({"all": [cmp("a.b", "eq", 1), cmp("a.b", "lte", 1)]}, "c.all[1].op: unknown operator 'lte'", id="nested-path"),
    pytest.param({"not": {"any": [{"fact": "a.b", "op": "bogus", "value": 1}]}}, "c.not.any[0].op: unknown operator 'bogus'", id="deep-path"),
    pytest.param({"all": {"fact": "a.b"}}, "c.all: must be a list, got dict", id="all-not-list"),
    pytest.param({"any": []}, "c.any: must not be empty (it could never be true)", id="empty-any"),
    pytest.param({"all": [], "any": []}, "c: expected exactly one of all/any/not/fact/predicate, got keys ['all', 'any']", id="two-forms"),
    pytest.param({"op": "eq"}, "c: expected exactly one of all/any/not/fact/predicate, got keys ['op']", id="no-form"),
    pytest.param("patient.age_years < 6", "c: a condition must be an object, got str", id="text-is-not-eval-ed"),
    pytest.param(cmp("Patient Age", "eq", 1), "c.fact: malformed fact path 'Patient Age'", id="bad-path"),
    pytest.param(cmp("a.b", "lt", [1]), "c.value: must be a number or a string, got list", id="lt-list"),
    pytest.param(cmp("a.b", "in", 3), "c.value: must be a list of scalars, got int", id="in-scalar"),
    pytest.param(cmp("a.b", "eq", None), "c.value: must be a scalar or a list (use op 'missing' to test for absence), got NoneType", id="eq-none"),
    pytest.param({"fact": "a.b", "op": "exists", "value": 1}, "c.value: operator 'exists' takes no value", id="exists-value"),
    pytest.param({"fact": "a.b", "op": "eq"}, "c.value: required by operator 'eq'", id="no-value"),
    pytest.param(cmp("a.b", "lt", {"param": "nope"}), "c.value: undefined param 'nope'", id="undefined-param"),
    pytest.param(cmp("a.b", "lt", {"param": "okay"}), "c.value: param 'okay' must be a number or a string, got list", id="param-wrong-type"),
    pytest.param(cmp("a.b", "lt", {"param": "child_age", "x": 1}), 'c.value: an object value must be exactly {"param": "<name>"}', id="bad-param-ref"),
    pytest.param({"predicate": "no_such"}, "c.predicate: unknown predicate 'no_such'", id="unknown-predicate"),
    pytest.param({"predicate": "days_supply_over", "params": {}}, "c.params.max_days: required by predicate 'days_supply_over'", id="predicate-param-missing"),
    pytest.param({"predicate": "days_supply_over", "params": {"max_days": "30"}}, "c.params.max_days: must be a number, got str", id="predicate-param-type"),
    pytest.param({"predicate": "days_supply_over", "params": {"max_days": 0}}, "c.params.max_days: must be greater than 0", id="predicate-param-check"),
    pytest.param({"predicate": "red_flag_symptom", "params": {"urgency": "soon"}}, "c.params.urgency: must be one of ['emergency', 'urgent'], got 'soon'", id="predicate-choice"),
    pytest.param({"predicate": "red_flag_symptom", "params": {"level": 1}}, "c.params.level: unknown parameter for 'red_flag_symptom'", id="predicate-unknown-param"),
    pytest.param({"predicate": "medication_control_class_in", "params": {"classes": ["opioid"]}}, "c.params.classes: unknown control classes ['opioid']", id="unknown-control-class"),
    pytest.param({"predicate": "complaint_in_icd10", "params": {"categories": ["E1"]}}, "c.params.categories: malformed ICD-10 categories ['E1']", id="bad-icd10"),
])
def test_validator_reports_precise_errors(cond, error):
    assert error in validate_condition(cond, "c", PARAMS, REGISTRY)


def test_validator_rejects_unknown_fact_when_facts_are_known():
    errors = validate_condition(cmp("patient.age_year", "lt", 6), "c", PARAMS, REGISTRY,
                                known_facts={"patient.age_years"})
    assert errors == ["c.fact: unknown fact 'patient.age_year'"]


def test_validator_accepts_good_conditions():
    cond = {"all": [RED, {"not": cmp("consent.status", "in", {"param": "okay"})},
                    {"any": [cmp("a.b", "missing"), cmp("a.b", "ge", {"param": "child_age"})]}]}
    assert validate_condition(cond, "c", PARAMS, REGISTRY) == []
