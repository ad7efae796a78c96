"""The documented facts and the helpers that prepare them."""

import typing

from clinic.risk.engine.facts import FACT_DOCS, Facts, enrich_medications, pick_facts
from clinic.risk.engine.predicates import REGISTRY
from clinic.risk.engine.ruleset import default_ruleset


def _leaf_paths(typed, prefix=""):
    for name, hint in typing.get_type_hints(typed).items():
        path = f"{prefix}{name}"
        if typing.is_typeddict(hint):
            yield from _leaf_paths(hint, path + ".")
        elif typing.get_origin(hint) is list and typing.is_typeddict(typing.get_args(hint)[0]):
            yield path
            yield from _leaf_paths(typing.get_args(hint)[0], path + "[].")
        else:
            yield path


def _condition_facts(cond):
    if "fact" in cond:
        yield cond["fact"]
    if "predicate" in cond:
        yield from REGISTRY[cond["predicate"]].reads
    for key in ("all", "any"):
        for sub in cond.get(key, []):
            yield from _condition_facts(sub)
    if "not" in cond:
        yield from _condition_facts(cond["not"])


def test_fact_docs_match_the_facts_structure_exactly():
    assert set(_leaf_paths(Facts)) == set(FACT_DOCS)
    assert all(text.strip() for text in FACT_DOCS.values())


def test_every_fact_the_default_rules_read_is_documented():
    read = {f for rule in default_ruleset().rules for f in _condition_facts(rule.condition)}
    assert read <= set(FACT_DOCS)
    assert {"visit.is_follow_up", "triage.vitals.spo2", "medications"} <= read


def test_predicates_document_their_reads():
    for name, predicate in REGISTRY.items():
        assert predicate.doc, name
        assert set(predicate.reads) <= set(FACT_DOCS), name


def test_enrich_medications_fills_class_and_system_without_mutating():
    items = [{"code": "N05BA01", "days_supply": 7},
             {"code": "C08CA01", "control_class": None, "days_supply": 30},
             {"code": "LOCAL-1", "system": "urn:local", "control_class": "toxic"}]
    enriched = enrich_medications(items)
    assert [m["control_class"] for m in enriched] == ["psychotropic", None, "toxic"]
    assert enriched[0]["system"] == "http://www.whocc.no/atc"
    assert enriched[2]["system"] == "urn:local"
    assert "control_class" not in items[0]


def test_catalogue_class_cannot_be_overridden_by_caller():
    assert enrich_medications([{"code": "N02AB03", "control_class": None}])[0]["control_class"] == "narcotic"


def test_pick_facts_for_the_decision_log():
    facts = {"consent": {"status": "valid"}, "triage": {"vitals": {"spo2": 97}}}
    assert pick_facts(facts, ["consent.status", "triage.vitals.spo2", "guardian.present"]) == {
        "consent.status": "valid", "triage.vitals.spo2": 97, "guardian.present": None}
