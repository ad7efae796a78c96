"""The order of rules (and of conditions inside any/all) never changes a decision."""

import copy
import random

import pytest
import yaml

from clinic.risk.engine.evaluation import evaluate
from clinic.risk.engine.ruleset import DEFAULT_RULESET_FILE, default_ruleset, load_ruleset
from tests.clinic.risk.engine.cases import CASES, build_facts

RAW = yaml.safe_load(DEFAULT_RULESET_FILE.read_text(encoding="utf-8"))


def _shuffle_condition(cond, rng):
    for key in ("all", "any"):
        if key in cond:
            rng.shuffle(cond[key])
            for sub in cond[key]:
                _shuffle_condition(sub, rng)
    if "not" in cond:
        _shuffle_condition(cond["not"], rng)


def shuffled_ruleset(seed):
    rng = random.Random(seed)
    data = copy.deepcopy(RAW)
    rng.shuffle(data["rules"])
    for rule in data["rules"]:
        _shuffle_condition(rule["condition"], rng)
    return load_ruleset(data)


@pytest.mark.parametrize("seed", [1, 7, 42, 2026, 31337])
def test_shuffled_rules_give_identical_decisions(seed):
    shuffled = shuffled_ruleset(seed)
    assert [r.id for r in shuffled.rules] != [r.id for r in default_ruleset().rules]
    for param in CASES:
        checkpoint, changes, _, _ = param.values
        expected = evaluate(default_ruleset(), checkpoint, build_facts(changes)).to_dict()
        got = evaluate(shuffled, checkpoint, build_facts(changes)).to_dict()
        assert got == expected, param.id
