"""Turn a resource into search-index rows, one list per index table.

How each FHIR data type maps to index values follows https://hl7.org/fhir/R4/search.html
(string, token, reference, date, quantity tables). Rows are plain dicts (without resource_pk),
deduplicated per resource, ready for an executemany insert.
"""
import unicodedata

from records.search.definitions import indexed_params
from records.search.values import (MAX_DATETIME, MIN_DATETIME, STRING_MAX, normalise_string,
                                   parse_date_range, split_reference)

CONTACT_SYSTEMS = {"phone", "fax", "email", "pager", "url", "sms", "other"}
NAME_PARTS = ("text", "family", "given", "prefix", "suffix")
ADDRESS_PARTS = ("text", "line", "city", "district", "state", "postalCode", "country")


def _strings(value):
    """Searchable strings of a string, HumanName, Address or CodeableConcept-ish value."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, dict):
        return []
    parts = NAME_PARTS if ("family" in value or "given" in value) else ADDRESS_PARTS
    out = []
    for key in parts:
        part = value.get(key)
        out.extend(part if isinstance(part, list) else [part] if isinstance(part, str) else [])
    if "family" in value or "given" in value:  # whole-name forms: "Wei Li", and "李伟" for CJK names
        given = " ".join(value.get("given") or [])
        family = value.get("family") or ""
        if given and family:
            out += [f"{given} {family}", f"{family} {given}"]
            if _is_cjk(family):
                out.append(f"{family}{given.replace(' ', '')}")
    if not out and isinstance(value.get("text"), str):
        out.append(value["text"])
    return out


def _is_cjk(text):
    return any(unicodedata.east_asian_width(c) == "W" for c in text)


def _tokens(value):
    """(system, code, text) triples of a code, boolean, Coding, CodeableConcept, Identifier or ContactPoint."""
    if isinstance(value, bool):
        return [(None, "true" if value else "false", None)]
    if isinstance(value, (str, int)):
        return [(None, str(value), None)]
    if not isinstance(value, dict):
        return []
    if "coding" in value or ("text" in value and "value" not in value and "code" not in value):
        text = value.get("text")
        rows = [(c.get("system"), c.get("code"), text or c.get("display")) for c in value.get("coding") or []]
        return rows or ([(None, None, text)] if text else [])
    if "value" in value and value.get("system") in CONTACT_SYSTEMS:
        return [(None, str(value["value"]), None)]
    if "value" in value and not isinstance(value["value"], (int, float)):  # Identifier
        return [(value.get("system"), str(value["value"]), (value.get("type") or {}).get("text"))]
    if "code" in value or "system" in value:  # Coding, or a Quantity's unit
        return [(value.get("system"), value.get("code"), value.get("display"))]
    return []


def _dates(value):
    """[low, high) UTC ranges of a date/dateTime/instant, Period or Timing."""
    if isinstance(value, str):
        rng = parse_date_range(value)
        return [rng] if rng else []
    if not isinstance(value, dict):
        return []
    if "start" in value or "end" in value:
        start = parse_date_range(value["start"]) if value.get("start") else None
        end = parse_date_range(value["end"]) if value.get("end") else None
        return [(start[0] if start else MIN_DATETIME, end[1] if end else MAX_DATETIME)]
    return [r for event in value.get("event") or [] for r in _dates(event)]


def _quantities(value):
    """(low, high, system, code) of a Quantity (point), Range, or plain number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [(float(value), float(value), None, None)]
    if not isinstance(value, dict):
        return []
    if "value" in value:
        number = float(value["value"])
        return [(number, number, value.get("system"), value.get("code") or value.get("unit"))]
    if "low" in value or "high" in value:
        low, high = value.get("low") or {}, value.get("high") or {}
        unit = low or high
        return [(float(low.get("value", float("-inf"))), float(high.get("value", float("inf"))),
                 unit.get("system"), unit.get("code") or unit.get("unit"))]
    return []


def _reference(value):
    if isinstance(value, str):  # canonical / uri
        return [(None, None, value)]
    ref = value.get("reference") if isinstance(value, dict) else None
    if not ref:
        return []
    target_type, target_id = split_reference(ref)
    return [(target_type, target_id, ref)]


def _cut(text, size=STRING_MAX):
    return text[:size] if isinstance(text, str) else text


def extract_rows(resource):
    """{table kind: [row dict]} for every indexed parameter of the resource's type."""
    rtype = resource["resourceType"]
    out = {"string": [], "token": [], "reference": [], "date": [], "quantity": []}
    for param in indexed_params(rtype):
        nodes = param.evaluate(resource)
        if not nodes:
            continue
        seen = set()
        kind = {"uri": "token", "number": "quantity"}.get(param.type, param.type)
        rows = out[kind]
        for node in nodes:
            for row in _rows_for(param.type, rtype, param.name, node.value):
                key = tuple(row.values())
                if key not in seen:
                    seen.add(key)
                    rows.append(row)
    return out


def _rows_for(ptype, rtype, name, value):
    base = {"resource_type": rtype, "param": name}
    if ptype == "string":
        return [{**base, "value": normalise_string(s), "exact": _cut(s)} for s in _strings(value) if s.strip()]
    if ptype in ("token", "uri"):
        return [{**base, "system": _cut(system), "code": _cut(code),
                 "text": normalise_string(text) if text else None}
                for system, code, text in _tokens(value)]
    if ptype == "reference":
        return [{**base, "target_type": t, "target_id": _cut(i, 64), "reference": _cut(ref)}
                for t, i, ref in _reference(value)]
    if ptype == "date":
        return [{**base, "low": low, "high": high} for low, high in _dates(value)]
    return [{**base, "low": low, "high": high, "system": _cut(system), "code": _cut(code, 64)}
            for low, high, system, code in _quantities(value)]
