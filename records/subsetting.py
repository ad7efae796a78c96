"""`_summary` and `_elements` on reads and searches (http://hl7.org/fhir/R4/search.html#summary,
#elements): a copy of the resource with fewer top-level elements, tagged SUBSETTED.

- `_summary=true`: the elements the R4 definitions mark "isSummary" (fhir.resources carries the mark),
  plus the mandatory ones; `text`: the narrative, id, meta and the mandatory elements; `data`: all but
  the narrative; `false`: everything; `count` is a search's (records.search.engine).
- `_elements=a,b`: those elements plus the mandatory ones.
Subsetting works on top-level elements: a summary keeps a kept element whole (HAPI FHIR trims inside
complex elements too; clients needing less use `_elements`).
"""
from functools import lru_cache

from records.errors import FhirError
from records.validation import model_class

SUBSETTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}
ALWAYS = frozenset({"resourceType", "id", "meta"})
SUMMARY_MODES = ("true", "text", "data", "false", "count")


def _json_name(name, field):
    return field.alias or name


@lru_cache(maxsize=None)
def mandatory_elements(resource_type):
    """Top-level elements with a minimum cardinality of 1."""
    fields = model_class(resource_type).model_fields
    return frozenset(_json_name(n, f) for n, f in fields.items()
                     if f.is_required() or (f.json_schema_extra or {}).get("element_required"))


@lru_cache(maxsize=None)
def summary_elements(resource_type):
    """Top-level elements marked isSummary, the mandatory ones included."""
    cls = model_class(resource_type)
    fields = cls.model_fields
    by_name = {n: _json_name(n, f) for n, f in fields.items()}
    return frozenset(by_name.get(n, n) for n in cls.summary_elements_sequence()) | mandatory_elements(resource_type)


def requested(query):
    """(summary mode or None, element names or None) asked for by the query; 400 for an unknown mode."""
    params = dict(query)
    summary = params.get("_summary")
    if summary is not None and summary not in SUMMARY_MODES:
        raise FhirError(400, "invalid", f"_summary must be one of {', '.join(SUMMARY_MODES)}, not {summary!r}.",
                         ["_summary"])
    raw = [v for k, v in query if k == "_elements"]
    elements = {e.strip() for v in raw for e in v.split(",") if e.strip()} or None
    return (summary if summary not in (None, "false", "count") else None), elements


def _kept(resource_type, summary, elements):
    keep = None
    if summary == "true":
        keep = ALWAYS | summary_elements(resource_type)
    elif summary == "text":
        keep = ALWAYS | {"text"} | mandatory_elements(resource_type)
    if elements:
        chosen = ALWAYS | set(elements) | mandatory_elements(resource_type)
        keep = chosen if keep is None else keep & chosen
    return keep


def subset(resource, summary=None, elements=None):
    """`resource` as `_summary` / `_elements` ask (the same object when nothing is asked)."""
    if not summary and not elements:
        return resource
    keep = _kept(resource["resourceType"], summary, elements)
    dropped = {"text"} if summary == "data" else set()
    trimmed = {k: v for k, v in resource.items() if (keep is None or k in keep) and k not in dropped}
    meta = dict(trimmed.get("meta") or {})
    meta["tag"] = [*meta.get("tag", []), SUBSETTED]
    trimmed["meta"] = meta
    return trimmed
