"""Every label the consoles use exists in English and Chinese (no browser needed)."""
import re
from pathlib import Path

import pytest


CONSOLES = Path(__file__).resolve().parents[2] / "consoles"
DEFINED = re.compile(r"(\w+): S\(\s*'((?:[^'\\]|\\.)*)',\s*'((?:[^'\\]|\\.)*)'\s*\)")
USED_IN_JS = re.compile(r"\bt\('(\w+)'")
USED_IN_HTML = re.compile(r'data-i18n(?:-placeholder|-aria)?="(\w+)"')


def _defined():
    found = {}
    for path in sorted((CONSOLES / "static" / "lib").glob("strings*.js")):  # strings.js and its parts
        found.update((key, (en, zh)) for key, en, zh in DEFINED.findall(path.read_text(encoding="utf-8")))
    return found


def _used():
    used = {}
    for path in (CONSOLES / "static").rglob("*.js"):
        for key in USED_IN_JS.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, path.name)
    for path in (CONSOLES / "templates").rglob("*.html"):
        for key in USED_IN_HTML.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, path.name)
    return used


def test_every_label_used_is_defined():
    defined = _defined()
    missing = {key: where for key, where in _used().items() if key not in defined}
    assert len(defined) > 100 and missing == {}


@pytest.mark.parametrize("prefix, suffixes", [
    ("status_", ("booked", "checked_in", "in_consultation", "fulfilled", "pending_review", "approved", "rejected",
                 "offered", "accepted", "prepared", "picked_up", "out_for_delivery", "delivered", "unroutable")),
    ("role_", ("patient", "doctor", "pharmacist", "admin")),
    ("fhir_", ("Encounter", "Condition", "Observation", "MedicationDispense")),
    ("title_", ("index", "patient", "doctor", "pharmacy", "admin")),
    ("flag_", ("restricted_class", "allergy_match", "dose_above_maximum", "dose_unverifiable", "age_below_minimum",
               "age_above_maximum", "age_unknown", "duplicate_therapy", "not_in_catalogue", "upheld", "overridden")),
    ("severity_", ("high", "warning")),
    ("sex_", ("male", "female", "other", "unknown")),
    ("weekday_", tuple("0123456")),
    ("session_", ("morning", "afternoon", "evening", "night")),
])
def test_labels_built_from_api_values_are_defined(prefix, suffixes):
    defined = _defined()
    assert [s for s in suffixes if prefix + s not in defined] == []


def test_both_languages_are_filled_in_and_the_chinese_is_chinese():
    for key, (en, zh) in _defined().items():
        assert en.strip() and zh.strip(), key
        assert re.search("[\u4e00-\u9fff]", zh) or zh in ("SpO₂ (%)",), (key, zh)
