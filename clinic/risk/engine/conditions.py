"""Declarative condition language for risk rules: evaluator and validator.

A condition is plain data (YAML/JSON); no text is ever `eval`-ed.

    {"all": [c, ...]}      every sub-condition holds; an empty list always holds
    {"any": [c, ...]}      at least one holds; must not be empty (it could never fire)
    {"not": c}
    {"fact": "a.b", "op": OP, "value": V}
    {"predicate": "name", "params": {...}}   a Python function from a registry

A `value` or a predicate param may be `{"param": "name"}`: it is read from the rule
set's `params`, so an admin changes a threshold by publishing a new rule-set version.

Operators: eq, ne, lt, le, gt, ge (numbers or strings), in, not_in (value is a list),
contains (fact is a list or string), intersects (fact and value are lists),
exists, missing (no value).

Missing facts: a fact is missing when a path segment is absent or its value is None.
Every comparison on a missing fact is false, `ne` and `not_in` included; `exists`
is false and `missing` is true. Hence `{"not": {"fact": f, "op": "eq", "value": v}}`
holds when f is missing: that is how a rule fails safe. Ordering comparisons between
incompatible types (text with a number) are false; a bool never equals a number.

`all` and `any` evaluate every branch (no short-circuit) so the facts a rule read,
which the decision log stores, never depend on the order of its sub-conditions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MISSING", "OPERATORS", "FactView", "ParamSpec", "Predicate",
    "evaluate_condition", "validate_condition",
]


class _Missing:
    """Sentinel for a fact that is absent or None."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
FACT_PATH = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")
_SCALARS = (str, int, float, bool)


class FactView:
    """Reads dotted fact paths from nested dicts and records every path read."""

    def __init__(self, facts: Mapping[str, Any]):
        self._facts = facts
        self.used: set[str] = set()

    def get(self, path: str) -> Any:
        """Return the value at a dotted path, or MISSING."""
        self.used.add(path)
        node: Any = self._facts
        for part in path.split("."):
            if not isinstance(node, Mapping) or node.get(part) is None:
                return MISSING
            node = node[part]
        return node


@dataclass(frozen=True)
class ParamSpec:
    """Type of one predicate parameter: number, integer, string, bool or string_list."""

    kind: str
    required: bool = True
    choices: tuple[str, ...] = ()
    check: Callable[[Any], str | None] | None = None  # extra check -> error text


@dataclass(frozen=True)
class Predicate:
    """A named Python test usable in rules: fn(facts, params) -> bool."""

    fn: Callable[[FactView, dict[str, Any]], bool]
    params: Mapping[str, ParamSpec] = field(default_factory=dict)
    reads: tuple[str, ...] = ()  # fact paths it reads, for documentation
    doc: str = ""


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _eq(a: Any, b: Any) -> bool:
    # Python says True == 1; in clinical facts a flag is not a count.
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        same_kind = (_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str))
        return same_kind and test(a, b)
    return compare


def _contains(fact: Any, value: Any) -> bool:
    if isinstance(fact, str):
        return isinstance(value, str) and value in fact
    return isinstance(fact, (list, tuple, set, frozenset)) and any(_eq(i, value) for i in fact)


def _intersects(fact: Any, value: Any) -> bool:
    return isinstance(fact, (list, tuple, set, frozenset)) and any(
        _eq(i, v) for i in fact for v in value
    )


# op -> (test on a present fact, kind of value expected)
OPERATORS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "eq": (_eq, "any"),
    "ne": (lambda a, b: not _eq(a, b), "any"),
    "lt": (_ordered(lambda a, b: a < b), "orderable"),
    "le": (_ordered(lambda a, b: a <= b), "orderable"),
    "gt": (_ordered(lambda a, b: a > b), "orderable"),
    "ge": (_ordered(lambda a, b: a >= b), "orderable"),
    "in": (lambda a, b: any(_eq(a, v) for v in b), "list"),
    "not_in": (lambda a, b: not any(_eq(a, v) for v in b), "list"),
    "contains": (_contains, "scalar"),
    "intersects": (_intersects, "list"),
    "exists": (lambda a, b: True, "none"),
    "missing": (lambda a, b: False, "none"),
}


def _resolve(value: Any, params: Mapping[str, Any]) -> Any:
    if isinstance(value, Mapping) and set(value) == {"param"}:
        return params[value["param"]]
    return value


def evaluate_condition(
    cond: Mapping[str, Any],
    facts: FactView,
    params: Mapping[str, Any],
    predicates: Mapping[str, Predicate],
) -> bool:
    """Evaluate a validated condition against facts; record the facts read."""
    if "all" in cond:
        return all([evaluate_condition(c, facts, params, predicates) for c in cond["all"]])
    if "any" in cond:
        return any([evaluate_condition(c, facts, params, predicates) for c in cond["any"]])
    if "not" in cond:
        return not evaluate_condition(cond["not"], facts, params, predicates)
    if "predicate" in cond:
        spec = predicates[cond["predicate"]]
        given = {k: _resolve(v, params) for k, v in cond.get("params", {}).items()}
        return bool(spec.fn(facts, given))
    fact = facts.get(cond["fact"])
    if cond["op"] == "missing":
        return fact is MISSING
    if fact is MISSING:
        return False
    test, _ = OPERATORS[cond["op"]]
    return test(fact, _resolve(cond.get("value"), params))


def _kind_error(kind: str, value: Any) -> str | None:
    """Say what is wrong with a value for an operator or param kind, or None."""
    ok = {
        "any": lambda v: isinstance(v, _SCALARS) or isinstance(v, list),
        "orderable": lambda v: _is_number(v) or isinstance(v, str),
        "number": _is_number,
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "bool": lambda v: isinstance(v, bool),
        "scalar": lambda v: isinstance(v, _SCALARS),
        "list": lambda v: isinstance(v, list) and all(isinstance(i, _SCALARS) for i in v),
        "string_list": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    }[kind]
    if ok(value):
        return None
    wanted = {"orderable": "a number or a string", "list": "a list of scalars",
              "string_list": "a list of strings", "scalar": "a scalar",
              "any": "a scalar or a list (use op 'missing' to test for absence)"}.get(kind, f"a {kind}")
    return f"must be {wanted}, got {type(value).__name__}"


def _check_value(value: Any, kind: str, path: str, params: Mapping[str, Any]) -> list[str]:
    """Validate a literal or a {"param": name} reference against an expected kind."""
    if isinstance(value, Mapping):
        if set(value) != {"param"} or not isinstance(value["param"], str):
            return [f"{path}: an object value must be exactly {{\"param\": \"<name>\"}}"]
        name = value["param"]
        if name not in params:
            return [f"{path}: undefined param '{name}'"]
        error = _kind_error(kind, params[name])
        return [f"{path}: param '{name}' {error}"] if error else []
    error = _kind_error(kind, value)
    return [f"{path}: {error}"] if error else []


def _validate_predicate(cond, path, params, predicates) -> list[str]:
    name = cond["predicate"]
    if set(cond) - {"predicate", "params"}:
        return [f"{path}: unexpected keys {sorted(set(cond) - {'predicate', 'params'})}"]
    if name not in predicates:
        return [f"{path}.predicate: unknown predicate '{name}'"]
    spec, given = predicates[name], cond.get("params", {})
    if not isinstance(given, Mapping):
        return [f"{path}.params: must be an object"]
    errors = [f"{path}.params.{k}: unknown parameter for '{name}'" for k in given if k not in spec.params]
    for key, pspec in spec.params.items():
        where = f"{path}.params.{key}"
        if key not in given:
            if pspec.required:
                errors.append(f"{where}: required by predicate '{name}'")
            continue
        found = _check_value(given[key], pspec.kind, where, params)
        value = _resolve(given[key], params) if not found else None
        if not found and pspec.choices and value not in pspec.choices:
            found = [f"{where}: must be one of {list(pspec.choices)}, got {value!r}"]
        if not found and pspec.check and (problem := pspec.check(value)):
            found = [f"{where}: {problem}"]
        errors += found
    return errors


def validate_condition(
    cond: Any,
    path: str,
    params: Mapping[str, Any],
    predicates: Mapping[str, Predicate],
    known_facts: Collection[str] | None = None,
) -> list[str]:
    """Return every error in a condition, each prefixed with its path."""
    if not isinstance(cond, Mapping):
        return [f"{path}: a condition must be an object, got {type(cond).__name__}"]
    forms = [k for k in ("all", "any", "not", "fact", "predicate") if k in cond]
    if len(forms) != 1:
        return [f"{path}: expected exactly one of all/any/not/fact/predicate, got keys {sorted(cond)}"]
    form = forms[0]
    recurse = lambda c, p: validate_condition(c, p, params, predicates, known_facts)  # noqa: E731
    if form in ("all", "any", "not") and len(cond) != 1:
        return [f"{path}: '{form}' takes no other keys, got {sorted(cond)}"]
    if form == "not":
        return recurse(cond["not"], f"{path}.not")
    if form in ("all", "any"):
        items = cond[form]
        if not isinstance(items, list):
            return [f"{path}.{form}: must be a list, got {type(items).__name__}"]
        if form == "any" and not items:
            return [f"{path}.any: must not be empty (it could never be true)"]
        return [e for i, c in enumerate(items) for e in recurse(c, f"{path}.{form}[{i}]")]
    if form == "predicate":
        return _validate_predicate(cond, path, params, predicates)
    return _validate_comparison(cond, path, params, known_facts)


def _validate_comparison(cond, path, params, known_facts) -> list[str]:
    errors = []
    extra = set(cond) - {"fact", "op", "value"}
    if extra:
        errors.append(f"{path}: unexpected keys {sorted(extra)}")
    fact = cond["fact"]
    if not isinstance(fact, str) or not FACT_PATH.match(fact):
        errors.append(f"{path}.fact: malformed fact path {fact!r}")
    elif known_facts is not None and fact not in known_facts:
        errors.append(f"{path}.fact: unknown fact '{fact}'")
    op = cond.get("op")
    if op not in OPERATORS:
        return errors + [f"{path}.op: unknown operator {op!r}" if "op" in cond else f"{path}.op: required"]
    kind = OPERATORS[op][1]
    if kind == "none":
        if "value" in cond:
            errors.append(f"{path}.value: operator '{op}' takes no value")
    elif "value" not in cond:
        errors.append(f"{path}.value: required by operator '{op}'")
    else:
        errors += _check_value(cond["value"], kind, f"{path}.value", params)
    return errors
