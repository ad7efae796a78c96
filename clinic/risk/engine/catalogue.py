"""Code catalogues for risk control: SNOMED CT symptoms, ATC medications, ICD-10.

The data lives in `catalogue.yaml` beside this module and is checked once at load,
so a bad edit fails at start-up rather than silently letting a drug through.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
ICD10 = "http://hl7.org/fhir/sid/icd-10"

CONTROL_CLASSES = ("narcotic", "psychotropic", "toxic", "radioactive")
URGENCIES = ("emergency", "urgent")

_CATALOGUE_FILE = Path(__file__).with_name("catalogue.yaml")
_ICD10_CATEGORY = re.compile(r"^[A-Z][0-9]{2}$")
# A full code: category, then an optional subdivision with or without the dot
# (E11.9, E119, ICD-10-CN E11.900).
_ICD10_CODE = re.compile(r"^([A-Z][0-9]{2})(?:\.?([0-9A-Z]{1,4}))?$")


@cache
def _load() -> dict[str, Any]:
    """Read and check catalogue.yaml once."""
    data = yaml.safe_load(_CATALOGUE_FILE.read_text(encoding="utf-8"))
    _check(data)
    return {
        "systems": data["systems"],
        "symptoms": {s["code"]: s for s in data["symptoms"]},
        "medications": {m["code"]: m for m in data["medications"]},
        "icd10_chronic_categories": data["icd10_chronic_categories"],
    }


def _check(data: dict[str, Any]) -> None:
    """Refuse an inconsistent catalogue (duplicates, bad classes, bad urgencies)."""
    problems = []
    if data["systems"] != {"snomed": SNOMED, "atc": ATC, "icd10": ICD10}:
        problems.append("systems must be the SNOMED CT, ATC and ICD-10 URIs")
    seen: set[str] = set()
    for s in data["symptoms"]:
        code = s["code"]
        if not isinstance(code, str) or not code.isdigit() or code in seen:
            problems.append(f"symptom {code!r}: code must be a unique digit string")
        seen.add(code)
        if s["red_flag"] != (s.get("urgency") in URGENCIES):
            problems.append(f"symptom {code}: a red flag needs an urgency, others none")
    seen.clear()
    for m in data["medications"]:
        code = m["code"]
        if code in seen or not re.fullmatch(r"[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}", code):
            problems.append(f"medication {code!r}: code must be a unique ATC level-5 code")
        seen.add(code)
        if m["control_class"] is not None and m["control_class"] not in CONTROL_CLASSES:
            problems.append(f"medication {code}: unknown control_class {m['control_class']!r}")
    for c in data["icd10_chronic_categories"]:
        if not is_icd10_category(c["category"]):
            problems.append(f"icd10 category {c['category']!r} is malformed")
    if problems:
        raise ValueError("catalogue.yaml is inconsistent: " + "; ".join(problems))


def lookup_symptom(code: str, system: str = SNOMED) -> dict[str, Any] | None:
    """Return the catalogue entry for a SNOMED CT symptom code, or None."""
    if system != SNOMED or not isinstance(code, str):
        return None
    entry = _load()["symptoms"].get(code.strip())
    return dict(entry) if entry else None


def red_flag_codes(urgency: str | None = None) -> frozenset[str]:
    """Return the red-flag SNOMED codes, optionally only those of one urgency."""
    return frozenset(
        code
        for code, s in _load()["symptoms"].items()
        if s["red_flag"] and (urgency is None or s["urgency"] == urgency)
    )


def lookup_medication(code: str, system: str = ATC) -> dict[str, Any] | None:
    """Return the catalogue entry for an ATC medication code, or None."""
    if system != ATC or not isinstance(code, str):
        return None
    entry = _load()["medications"].get(code.strip().upper())
    return dict(entry) if entry else None


def control_class(code: str, system: str = ATC) -> str | None:
    """Return the special-control class of a medication, None if ordinary or unknown."""
    entry = lookup_medication(code, system)
    return entry["control_class"] if entry else None


def _normalise_icd10(text: str) -> str:
    """Upper-case and drop all whitespace: ' e11.9 ' -> 'E11.9'."""
    return re.sub(r"\s+", "", text).upper()


def is_icd10_category(category: Any) -> bool:
    """Tell whether a text is a category ('E11'), a code ('E11.9') or a range ('I10-I15')."""
    if not isinstance(category, str):
        return False
    text = _normalise_icd10(category)
    if "-" in text:
        low, _, high = text.partition("-")
        return bool(_ICD10_CATEGORY.match(low) and _ICD10_CATEGORY.match(high)) and low <= high
    return bool(_ICD10_CODE.match(text))


def icd10_matches(code: Any, category: Any) -> bool:
    """Tell whether an ICD-10 code falls under a category, subcategory or range.

    'E11.9' and 'E11' match 'E11'; 'I11.9' matches 'I10-I15'; 'E11.90' matches
    'E11.9'. Malformed input (e.g. 'E1') never matches anything.
    """
    if not (isinstance(code, str) and isinstance(category, str)):
        return False
    found = _ICD10_CODE.match(_normalise_icd10(code))
    if not found or not is_icd10_category(category):
        return False
    code_cat, code_sub = found.group(1), found.group(2) or ""
    cat = _normalise_icd10(category)
    if "-" in cat:
        low, _, high = cat.partition("-")
        return low <= code_cat <= high
    wanted = _ICD10_CODE.match(cat)
    if not wanted:
        return False
    # A subcategory matches itself and its finer subdivisions (E11.9 -> E11.90).
    return code_cat == wanted.group(1) and code_sub.startswith(wanted.group(2) or "")


def chronic_categories() -> list[dict[str, str]]:
    """Return the ICD-10 chronic-disease categories treated online (for docs)."""
    return copy.deepcopy(_load()["icd10_chronic_categories"])


def catalogue_data() -> dict[str, Any]:
    """Return the whole catalogue as plain data for the API documentation."""
    data = _load()
    return {
        "systems": dict(data["systems"]),
        "symptoms": [dict(s, system=SNOMED) for s in data["symptoms"].values()],
        "medications": [dict(m, system=ATC) for m in data["medications"].values()],
        "icd10_chronic_categories": chronic_categories(),
        "control_classes": list(CONTROL_CLASSES),
    }
