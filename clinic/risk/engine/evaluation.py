"""Evaluate a rule set at a checkpoint and return the most restrictive decision.

Every rule that applies at the checkpoint is evaluated, fully, against the facts.
The decision is the most restrictive outcome among the rules that fired
(`ruleset.OUTCOMES` order), or `allow` when none fired, so the order of rules in the
file never changes it. Reasons are sorted by (severity, rule id); next steps are
the union of the fired rules' steps in `ruleset.NEXT_STEPS` order; facts_used are
the sorted paths every evaluated rule read. A predicate that raises is a bug and
propagates: the engine never turns an error into `allow`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clinic.risk.engine.conditions import FactView, evaluate_condition
from clinic.risk.engine.ruleset import CHECKPOINTS, NEXT_STEPS, OUTCOMES, URGENCIES, RuleSet

_SEVERITY = {outcome: rank for rank, outcome in enumerate(OUTCOMES)}
_STEP_RANK = {step: rank for rank, step in enumerate(NEXT_STEPS)}


@dataclass(frozen=True)
class Reason:
    """A rule that fired, with the patient-facing explanation and its legal basis."""

    rule_id: str
    title: str
    message: str
    message_zh: str
    citation: str
    outcome: str
    urgency: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return the reason as JSON-ready data."""
        return {
            "rule_id": self.rule_id, "title": self.title, "message": self.message,
            "message_zh": self.message_zh, "citation": self.citation,
            "outcome": self.outcome, "urgency": self.urgency,
        }


@dataclass(frozen=True)
class Decision:
    """The outcome of one risk check, with everything the decision log needs."""

    decision: str
    checkpoint: str
    ruleset_version: str
    urgency: str | None
    reasons: tuple[Reason, ...]
    next_steps: tuple[str, ...]
    facts_used: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        """True only when nothing at all stands in the way (decision 'allow')."""
        return self.decision == "allow"

    def to_dict(self) -> dict[str, Any]:
        """Return the decision as JSON-ready data."""
        return {
            "decision": self.decision,
            "checkpoint": self.checkpoint,
            "ruleset_version": self.ruleset_version,
            "urgency": self.urgency,
            "reasons": [r.to_dict() for r in self.reasons],
            "next_steps": list(self.next_steps),
            "facts_used": list(self.facts_used),
        }


def evaluate(ruleset: RuleSet, checkpoint: str, facts: Mapping[str, Any]) -> Decision:
    """Evaluate every rule of `ruleset` that applies at `checkpoint` against `facts`."""
    if checkpoint not in CHECKPOINTS:
        raise ValueError(f"unknown checkpoint {checkpoint!r}; expected one of {CHECKPOINTS}")
    if not isinstance(facts, Mapping):
        raise TypeError(f"facts must be a mapping, got {type(facts).__name__}")
    view = FactView(facts)
    fired = [
        rule for rule in ruleset.rules_for(checkpoint)
        if evaluate_condition(rule.condition, view, ruleset.params, ruleset.predicates)
    ]
    fired.sort(key=lambda rule: (_SEVERITY[rule.outcome], rule.id))
    urgencies = {rule.urgency for rule in fired if rule.urgency}
    steps = {step for rule in fired for step in rule.next_steps}
    return Decision(
        decision=fired[0].outcome if fired else "allow",
        checkpoint=checkpoint,
        ruleset_version=ruleset.version,
        urgency=next((u for u in URGENCIES if u in urgencies), None),
        reasons=tuple(
            Reason(rule.id, rule.title, rule.message, rule.message_zh,
                   rule.citation, rule.outcome, rule.urgency)
            for rule in fired
        ),
        next_steps=tuple(sorted(steps, key=_STEP_RANK.__getitem__)),
        facts_used=tuple(sorted(view.used)),
    )
