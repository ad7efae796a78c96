"""The search parameters we support, driven by the official R4 SearchParameter definitions.

Source and regeneration: see extract_definitions.py. A parameter is supported when its type is one we
index (https://hl7.org/fhir/R4/search.html#ptypes) and its FHIRPath expression compiles with our
evaluator; `_id` and `_lastUpdated` are served from columns of the resource table.
"""
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from records.search.fhirpath import UnsupportedExpression, compile_expression

HERE = Path(__file__).resolve().parent
INDEXED_TYPES = ("string", "token", "reference", "date", "quantity", "number", "uri")
COLUMN_PARAMS = {"_id": "token", "_lastUpdated": "date"}
# Resource-level params we index for every type (meta lives in the stored JSON).
RESOURCE_PARAMS = ("_tag", "_profile", "_security", "_source")
# Defined, but we would only pretend: phonetic matching is not implemented.
EXCLUDED = {"phonetic"}


@dataclass(frozen=True)
class SearchParam:
    """One searchable parameter of one resource type."""

    resource_type: str
    name: str
    type: str
    expression: str
    targets: tuple = ()
    documentation: str = ""

    @property
    def evaluate(self):
        """fn(resource) -> list[Node] (compiled once, cached)."""
        return compile_expression(self.expression)


@lru_cache(maxsize=1)
def _raw():
    return json.loads((HERE / "r4_search_parameters.json").read_text())


@lru_cache(maxsize=1)
def registry():
    """resource type ("Resource" for the common ones) -> {name: SearchParam}."""
    out = {}
    for raw in _raw():
        name, ptype = raw["code"], raw["type"]
        if raw["base"] == "Resource" and name in COLUMN_PARAMS:
            param = SearchParam("Resource", name, ptype, "", (), raw.get("description", ""))
        elif ptype not in INDEXED_TYPES or not raw.get("expression") or name in EXCLUDED:
            continue
        elif raw["base"] == "Resource" and name not in RESOURCE_PARAMS:
            continue
        else:
            try:
                compile_expression(raw["expression"])
            except UnsupportedExpression:
                continue
            param = SearchParam(raw["base"], name, ptype, raw["expression"], tuple(raw.get("target", ())),
                                raw.get("description", ""))
        out.setdefault(raw["base"], {})[name] = param
    return out


def supported_types():
    """Resource types with type-specific search parameters."""
    return sorted(t for t in registry() if t != "Resource")


def params_for(resource_type):
    """{name: SearchParam} for a type, the common Resource params included."""
    return {**registry()["Resource"], **registry().get(resource_type, {})}


def get_param(resource_type, name):
    """The SearchParam or None."""
    return params_for(resource_type).get(name)


def indexed_params(resource_type):
    """The params whose values are extracted into index rows (everything but the column params)."""
    return [p for p in params_for(resource_type).values() if p.name not in COLUMN_PARAMS]


def supported_search_params():
    """type -> [{name, type, documentation}] for the CapabilityStatement (exactly what search supports)."""
    return {t: [{"name": p.name, "type": p.type, "documentation": p.documentation}
                for p in sorted(params_for(t).values(), key=lambda p: p.name)]
            for t in supported_types()}
