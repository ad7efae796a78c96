"""Rule sets: the vocabulary, validation and loading of versioned risk rules.

A rule set is data (YAML or JSON):

    version: "2026.1"            # required, non-empty text
    title: ...                   # required
    effective_from: 2026-01-01   # optional ISO date
    params: {name: value}        # thresholds etc.; scalars or lists of scalars
    rules:
      - id, title, message, message_zh, citation   # required text
        checkpoints: [book_online, start_consultation, prescribe]
        condition: {...}         # see clinic.risk.engine.conditions
        outcome: deny | refer_offline | needs_guardian | needs_triage | ...
        urgency: emergency | urgent                  # optional
        next_step: name or [names]                   # optional; default by outcome

Messages and titles may name params in braces, e.g. "at most {max_days_supply} days",
so the text a patient reads always matches the published threshold.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from clinic.risk.engine.conditions import Predicate, validate_condition
from clinic.risk.engine.facts import FACT_DOCS
from clinic.risk.engine.predicates import REGISTRY

CHECKPOINTS = ("book_online", "start_consultation", "prescribe")
# Most restrictive first: the decision is the first outcome any fired rule has.
# needs_triage (our addition) asks for a fresh pre-consultation triage.
OUTCOMES = (
    "deny", "refer_offline", "needs_paediatrician", "needs_guardian", "needs_triage",
    "needs_consent", "needs_pharmacist_review", "allow",
)
URGENCIES = ("emergency", "urgent")
# Ordered by importance to the patient: safety first, then what blocks online care.
NEXT_STEPS = (
    "call_emergency", "see_in_person", "choose_paediatric_doctor",
    "remove_restricted_drug", "reduce_days_supply", "register_guardian", "bring_guardian",
    "submit_triage", "sign_protocol", "await_pharmacist_review",
)
DEFAULT_NEXT_STEP = {
    "refer_offline": "see_in_person",
    "needs_paediatrician": "choose_paediatric_doctor",
    "needs_guardian": "bring_guardian",
    "needs_triage": "submit_triage",
    "needs_consent": "sign_protocol",
    "needs_pharmacist_review": "await_pharmacist_review",
}
DEFAULT_RULESET_FILE = Path(__file__).parent / "rules" / "default.yaml"

_TOP_KEYS = {"version", "title", "effective_from", "params", "rules"}
_RULE_TEXT = ("id", "title", "message", "message_zh", "citation")
_RULE_KEYS = set(_RULE_TEXT) | {"checkpoints", "condition", "outcome", "urgency", "next_step"}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_RULE_ID = re.compile(r"^[a-z][a-z0-9_.-]*$")
_SCALARS = (str, int, float, bool)


class RuleSetError(ValueError):
    """A rule set was refused; `errors` lists every problem found."""

    def __init__(self, errors: list[str]):
        super().__init__("invalid rule set:\n  " + "\n  ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Rule:
    """One validated rule."""

    id: str
    title: str
    message: str
    message_zh: str
    citation: str
    checkpoints: frozenset[str]
    condition: Mapping[str, Any]
    outcome: str
    urgency: str | None
    next_steps: tuple[str, ...]


@dataclass(frozen=True)
class RuleSet:
    """A validated, immutable rule set with the predicate registry it was checked against."""

    version: str
    title: str
    effective_from: str | None
    params: Mapping[str, Any]
    rules: tuple[Rule, ...]
    predicates: Mapping[str, Predicate] = field(repr=False, compare=False, default_factory=dict)

    def rules_for(self, checkpoint: str) -> tuple[Rule, ...]:
        """Return the rules that apply at a checkpoint."""
        return tuple(r for r in self.rules if checkpoint in r.checkpoints)


def _text_error(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "required, must be non-empty text"
    return None


def _placeholder_errors(text: str, where: str, params: Mapping[str, Any]) -> list[str]:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        return [f"{where}: malformed placeholder ({exc})"]
    return [f"{where}: placeholder {{{n}}} is not a defined param" for n in names
            if n not in params]


def _validate_params(params: Any) -> list[str]:
    if not isinstance(params, Mapping):
        return [f"params: must be an object, got {type(params).__name__}"]
    errors = []
    for name, value in params.items():
        if not isinstance(name, str) or not _NAME.match(name):
            errors.append(f"params.{name}: a param name must be snake_case")
        elif not (isinstance(value, _SCALARS)
                  or (isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value))):
            errors.append(f"params.{name}: must be a scalar or a list of scalars, "
                          f"got {type(value).__name__}")
    return errors


def _validate_rule(rule: Any, path: str, params: Mapping[str, Any], predicates) -> list[str]:
    if not isinstance(rule, Mapping):
        return [f"{path}: a rule must be an object, got {type(rule).__name__}"]
    errors = [f"{path}: unknown key '{k}'" for k in rule if k not in _RULE_KEYS]
    errors += [f"{path}.{k}: {e}" for k in _RULE_TEXT if (e := _text_error(rule.get(k)))]
    errors += [e for k in ("title", "message", "message_zh") if isinstance(rule.get(k), str)
               for e in _placeholder_errors(rule[k], f"{path}.{k}", params)]
    if isinstance(rule.get("id"), str) and not _RULE_ID.match(rule["id"]):
        errors.append(f"{path}.id: must be lower-case letters, digits, '.', '_' or '-'")
    points = rule.get("checkpoints")
    if not isinstance(points, list) or not points:
        errors.append(f"{path}.checkpoints: required, must be a non-empty list")
    else:
        errors += [f"{path}.checkpoints[{i}]: unknown checkpoint {c!r}"
                   for i, c in enumerate(points) if c not in CHECKPOINTS]
    if "outcome" not in rule:
        errors.append(f"{path}.outcome: required")
    elif rule["outcome"] not in OUTCOMES:
        errors.append(f"{path}.outcome: unknown outcome {rule.get('outcome')!r}")
    if "urgency" in rule and rule["urgency"] not in URGENCIES:
        errors.append(f"{path}.urgency: unknown urgency {rule['urgency']!r}")
    steps = rule.get("next_step", [])
    steps = [steps] if isinstance(steps, str) else steps
    if not isinstance(steps, list):
        errors.append(f"{path}.next_step: must be a name or a list of names")
    else:
        errors += [f"{path}.next_step: unknown next step {s!r}" for s in steps if s not in NEXT_STEPS]
    if "condition" not in rule:
        errors.append(f"{path}.condition: required")
    else:
        errors += validate_condition(rule["condition"], f"{path}.condition", params,
                                     predicates, known_facts=FACT_DOCS)
    return errors


def validate_ruleset(data: Any, predicates: Mapping[str, Predicate] | None = None) -> list[str]:
    """Return every error in a rule set (empty when it can be loaded)."""
    predicates = REGISTRY if predicates is None else predicates
    if not isinstance(data, Mapping):
        return [f"(root): a rule set must be an object, got {type(data).__name__}"]
    errors = [f"(root): unknown key '{k}'" for k in data if k not in _TOP_KEYS]
    errors += [f"{k}: {e}" for k in ("version", "title") if (e := _text_error(data.get(k)))]
    when = data.get("effective_from")
    if when is not None and not isinstance(when, dt.date) and not _is_iso_date(when):
        errors.append(f"effective_from: must be an ISO date (YYYY-MM-DD), got {when!r}")
    params = data.get("params", {})
    errors += _validate_params(params)
    params = params if isinstance(params, Mapping) else {}
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules:
        return errors + ["rules: required, must be a non-empty list"]
    first_seen: dict[str, int] = {}
    for i, rule in enumerate(rules):
        errors += _validate_rule(rule, f"rules[{i}]", params, predicates)
        rule_id = rule.get("id") if isinstance(rule, Mapping) else None
        if isinstance(rule_id, str) and rule_id in first_seen:
            errors.append(f"rules[{i}].id: duplicate rule id '{rule_id}' "
                          f"(first at rules[{first_seen[rule_id]}])")
        elif isinstance(rule_id, str):
            first_seen[rule_id] = i
    return errors


def _is_iso_date(value: Any) -> bool:
    try:
        dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def _next_steps(rule: Mapping[str, Any]) -> tuple[str, ...]:
    given = rule.get("next_step")
    steps = [given] if isinstance(given, str) else list(given or [])
    if not steps and rule["outcome"] in DEFAULT_NEXT_STEP:
        steps = [DEFAULT_NEXT_STEP[rule["outcome"]]]
    if rule.get("urgency") == "emergency":
        steps.insert(0, "call_emergency")  # an emergency always tells the patient to call 120
    return tuple(dict.fromkeys(steps))


def load_ruleset(data: Any, predicates: Mapping[str, Predicate] | None = None) -> RuleSet:
    """Validate a rule-set dict and return a RuleSet; raise RuleSetError listing all errors."""
    predicates = REGISTRY if predicates is None else predicates
    errors = validate_ruleset(data, predicates)
    if errors:
        raise RuleSetError(errors)
    when = data.get("effective_from")
    params = dict(data.get("params", {}))
    rules = tuple(
        Rule(
            id=r["id"], title=r["title"].format(**params), message=r["message"].format(**params),
            message_zh=r["message_zh"].format(**params),
            citation=r["citation"], checkpoints=frozenset(r["checkpoints"]),
            condition=copy.deepcopy(r["condition"]), outcome=r["outcome"],
            urgency=r.get("urgency"), next_steps=_next_steps(r),
        )
        for r in data["rules"]
    )
    return RuleSet(
        version=data["version"], title=data["title"],
        effective_from=when.isoformat()[:10] if isinstance(when, dt.date) else when,
        params=MappingProxyType(copy.deepcopy(params)),
        rules=rules, predicates=predicates,
    )


def load_ruleset_file(path: str | Path, predicates: Mapping[str, Predicate] | None = None) -> RuleSet:
    """Load a rule set from a .yaml/.yml or .json file."""
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    return load_ruleset(data, predicates)


def default_ruleset_data() -> dict[str, Any]:
    """Return the shipped rule set as JSON-ready data (dates as ISO text), for publishing."""
    data = yaml.safe_load(DEFAULT_RULESET_FILE.read_text(encoding="utf-8"))
    return json.loads(json.dumps(data, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v)))


@cache
def default_ruleset() -> RuleSet:
    """Return the rule set shipped in rules/default.yaml (loaded once)."""
    return load_ruleset_file(DEFAULT_RULESET_FILE)
