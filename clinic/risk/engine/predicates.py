"""Built-in named predicates: the tests rules cannot express as plain comparisons.

Each is `fn(facts: FactView, params: dict) -> bool`, registered with a typed
parameter spec so a rule set naming a predicate with bad params is refused at load.
Register more with `@register(...)` (or build a separate registry for tests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from clinic.risk.engine import catalogue
from clinic.risk.engine.conditions import MISSING, FactView, ParamSpec, Predicate
from clinic.risk.engine.facts import medication_control_class

REGISTRY: dict[str, Predicate] = {}


def register(
    name: str,
    *,
    params: Mapping[str, ParamSpec] | None = None,
    reads: tuple[str, ...] = (),
    registry: dict[str, Predicate] = REGISTRY,
) -> Callable[[Callable[[FactView, dict[str, Any]], bool]], Callable[..., bool]]:
    """Register a predicate function under a name (a decorator)."""

    def decorate(fn: Callable[[FactView, dict[str, Any]], bool]) -> Callable[..., bool]:
        if name in registry:
            raise ValueError(f"predicate {name!r} is already registered")
        doc = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        registry[name] = Predicate(fn=fn, params=dict(params or {}), reads=reads, doc=doc)
        return fn

    return decorate


def _known_classes(value: list[str]) -> str | None:
    unknown = sorted(set(value) - set(catalogue.CONTROL_CLASSES))
    return f"unknown control classes {unknown}" if unknown else None


def _positive(value: float) -> str | None:
    return None if value > 0 else "must be greater than 0"


def _icd10_list(value: list[str]) -> str | None:
    bad = [c for c in value if not catalogue.is_icd10_category(c)]
    if not value:
        return "must not be empty"
    return f"malformed ICD-10 categories {bad}" if bad else None


def _medications(facts: FactView) -> list[Mapping[str, Any]]:
    items = facts.get("medications")
    return [m for m in items if isinstance(m, Mapping)] if isinstance(items, list) else []


@register(
    "red_flag_symptom",
    params={"urgency": ParamSpec("string", required=False, choices=catalogue.URGENCIES)},
    reads=("triage.symptoms",),
)
def red_flag_symptom(facts: FactView, params: dict[str, Any]) -> bool:
    """True when the latest triage lists a red-flag symptom (of the given urgency)."""
    symptoms = facts.get("triage.symptoms")
    if not isinstance(symptoms, list):
        return False
    flags = catalogue.red_flag_codes(params.get("urgency"))
    return any(isinstance(code, str) and code.strip() in flags for code in symptoms)


@register(
    "medication_control_class_in",
    params={"classes": ParamSpec("string_list", check=_known_classes)},
    reads=("medications",),
)
def medication_control_class_in(facts: FactView, params: dict[str, Any]) -> bool:
    """True when any prescription item is in one of the given control classes."""
    wanted = set(params["classes"])
    return any(medication_control_class(m) in wanted for m in _medications(facts))


@register(
    "days_supply_over",
    params={"max_days": ParamSpec("number", check=_positive)},
    reads=("medications",),
)
def days_supply_over(facts: FactView, params: dict[str, Any]) -> bool:
    """True when any prescription item supplies more than max_days days."""
    limit = params["max_days"]
    # An item without a numeric days_supply is left to the pharmacist's review.
    return any(
        isinstance(m.get("days_supply"), (int, float))
        and not isinstance(m.get("days_supply"), bool)
        and m["days_supply"] > limit
        for m in _medications(facts)
    )


@register(
    "complaint_in_icd10",
    params={"categories": ParamSpec("string_list", check=_icd10_list)},
    reads=("visit.complaint_code",),
)
def complaint_in_icd10(facts: FactView, params: dict[str, Any]) -> bool:
    """True when visit.complaint_code falls under one of the ICD-10 categories/ranges."""
    code = facts.get("visit.complaint_code")
    if code is MISSING:
        return False
    return any(catalogue.icd10_matches(code, c) for c in params["categories"])
