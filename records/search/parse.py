"""Parse search query parameters into criteria (https://hl7.org/fhir/R4/search.html).

Pure logic: no Flask, no database. Malformed values raise FhirError 400 `invalid` naming the
parameter; parameters or modifiers we do not support are reported as (param, message) pairs.
"""
from dataclasses import dataclass, field

from records.errors import FhirError
from records.search.definitions import get_param, params_for
from records.search.values import parse_date_range, parse_number_range

PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
MODIFIERS = {
    "string": {"exact", "contains", "missing"},
    "token": {"text", "not", "missing"},
    "uri": {"missing"},
    "reference": {"missing"},  # plus a target type, e.g. subject:Patient
    "date": {"missing"},
    "quantity": {"missing"},
    "number": {"missing"},
}


@dataclass
class Criterion:
    """One query parameter: param, modifier, comma-separated values (OR), optional chained criterion."""

    param: object
    modifier: str | None
    values: list = field(default_factory=list)
    target_types: tuple = ()
    chain: "Criterion | None" = None


def split_values(raw):
    """Split on unescaped commas and unescape \\, \\| \\$ (https://hl7.org/fhir/R4/search.html#escaping)."""
    out, current, escaped = [], "", False
    for char in raw:
        if escaped:
            current += char if char in ",|$\\" else "\\" + char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            out.append(current)
            current = ""
        else:
            current += char
    out.append(current + ("\\" if escaped else ""))
    return out


def split_prefix(name, value):
    """('ge', '2020') from 'ge2020'; 'eq' when no prefix."""
    if len(value) > 2 and value[:2] in PREFIXES and (value[2].isdigit() or value[2] in "-+."):
        return value[:2], value[2:]
    if value[:2].isalpha() and not value[:1].isdigit():
        raise FhirError(400, "invalid", f"Unknown prefix in {name}={value}", [name])
    return "eq", value


def _check_value(param, name, modifier, value):
    if modifier == "missing":
        if value not in ("true", "false"):
            raise FhirError(400, "invalid", f"{name} must be true or false", [name])
        return
    if param.type == "date":
        _, text = split_prefix(name, value)
        if parse_date_range(text) is None:
            raise FhirError(400, "invalid", f"Invalid date in {name}={value}", [name])
    elif param.type in ("quantity", "number"):
        _, text = split_prefix(name, value)
        if parse_number_range(text.split("|")[0]) is None:
            raise FhirError(400, "invalid", f"Invalid number in {name}={value}", [name])


def parse_criterion(resource_type, name, raw, unsupported):
    """A Criterion, or None (with the reason appended to `unsupported`)."""
    head, _, chained = name.partition(".")
    code, _, modifier = head.partition(":")
    param = get_param(resource_type, code)
    if param is None:
        unsupported.append((name, f"Unknown search parameter {code!r} for {resource_type}"))
        return None
    modifier = modifier or None
    target_types = ()
    if param.type == "reference" and modifier and modifier[:1].isupper():
        target_types, modifier = (modifier,), None
    if modifier and modifier not in MODIFIERS.get(param.type, ()):
        unsupported.append((name, f"Modifier :{modifier} is not supported on {code}"))
        return None
    if chained:
        return _chained(resource_type, name, param, target_types, chained, raw, unsupported)
    values = split_values(raw)
    if any(v == "" for v in values):
        raise FhirError(400, "invalid", f"Empty value in {name}", [name])
    for value in values:
        _check_value(param, name, modifier, value)
    return Criterion(param, modifier, values, target_types)


def _chained(resource_type, name, param, target_types, chained, raw, unsupported):
    if param.type != "reference":
        raise FhirError(400, "invalid", f"Only reference parameters can be chained ({name})", [name])
    if "." in chained:
        unsupported.append((name, "Chains deeper than one level are not supported"))
        return None
    candidates = target_types or param.targets
    inner_code = chained.partition(":")[0]
    candidates = tuple(t for t in candidates if inner_code in params_for(t))
    if not candidates:
        unsupported.append((name, f"No target type of {param.name} has a parameter {inner_code!r}"))
        return None
    inner = [parse_criterion(t, chained, raw, unsupported) for t in candidates]
    if any(c is None for c in inner):
        return None
    return Criterion(param, None, [], candidates, chain=dict(zip(candidates, inner)))
