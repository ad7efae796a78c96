"""The pharmacy's medication catalogue (pharmacy owns drugs, their classes and limits); no Flask here.

The file (data/catalogue.yaml) is checked as a whole on first use and at start-up (`check`): a wrong or
missing field is a CatalogueError naming the entry and the field, so a bad catalogue stops the service
instead of letting a review skip a check.
"""
import functools
import re
from pathlib import Path

import yaml

ATC = "http://www.whocc.no/atc"
DATA = Path(__file__).resolve().parent / "data" / "catalogue.yaml"
DOSE_UNITS = ("mg", "µg")
REQUIRED = ("code", "name", "name_zh", "form", "strength", "unit", "therapeutic_class", "citation")
OPTIONAL = ("max_daily_dose", "min_age_years", "max_age_years", "allergy_classes", "restricted")
ATC_CODE = re.compile(r"^[A-Z]\d{2}[A-Z]{2}\d{2}$")


class CatalogueError(ValueError):
    """The catalogue file is inconsistent."""


def _citation(where, value):
    if not (isinstance(value, dict) and isinstance(value.get("source"), str) and value["source"].strip()
            and isinstance(value.get("url"), str) and value["url"].startswith(("https://", "http://"))):
        raise CatalogueError(f"{where}: a citation needs a `source` (document and section) and an http(s) `url`")
    return {"source": value["source"].strip(), "url": value["url"]}


def _age(where, raw, field):
    value = raw.get(field)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 130):
        raise CatalogueError(f"{where}: {field} must be whole years between 0 and 130")
    return value


def _dose(where, value):
    if value is None:
        return None
    number = value.get("value") if isinstance(value, dict) else None
    if isinstance(number, bool) or not isinstance(number, (int, float)) or number <= 0 \
            or value.get("unit") not in DOSE_UNITS or set(value) != {"value", "unit"}:
        raise CatalogueError(f"{where}: max_daily_dose must be {{value: a positive number, unit: one of {DOSE_UNITS}}}")
    return {"value": number, "unit": value["unit"]}


def _allergy_classes(raw):
    if not isinstance(raw, dict):
        raise CatalogueError("allergy_classes must map a class name to {names, atc}")
    classes = {}
    for name, spec in raw.items():
        names, atc = (spec or {}).get("names"), (spec or {}).get("atc", [])
        if not (isinstance(names, list) and names and all(isinstance(n, str) and n.strip() for n in names)
                and isinstance(atc, list) and all(isinstance(c, str) and c for c in atc)):
            raise CatalogueError(f"allergy class {name}: `names` must list words and `atc` code prefixes")
        classes[name] = {"names": tuple(n.strip().lower() for n in names), "atc": tuple(atc)}
    return classes


def _medication(raw, system, restricted, allergy_classes):
    where = f"medication {raw.get('code', '?')}" if isinstance(raw, dict) else f"medication {raw!r}"
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: not a mapping")
    missing = [f for f in REQUIRED if raw.get(f) in (None, "")]
    unknown = sorted(set(raw) - set(REQUIRED) - set(OPTIONAL))
    if missing or unknown:
        raise CatalogueError(f"{where}: " + "; ".join(
            ([f"missing {', '.join(missing)}"] if missing else []) + ([f"unknown {', '.join(unknown)}"] if unknown else [])))
    code = str(raw["code"])
    if not ATC_CODE.match(code):
        raise CatalogueError(f"{where}: code must be a 7-character ATC code")
    if not code.startswith(str(raw["therapeutic_class"])) or len(str(raw["therapeutic_class"])) < 4:
        raise CatalogueError(f"{where}: therapeutic_class must be an ATC group the code belongs to")
    if raw.get("restricted") is not None and raw["restricted"] not in restricted:
        raise CatalogueError(f"{where}: unknown restricted class {raw['restricted']!r}")
    allergies = raw.get("allergy_classes") or []
    strangers = [c for c in allergies if c not in allergy_classes]
    if not isinstance(allergies, list) or strangers:
        raise CatalogueError(f"{where}: unknown allergy class {strangers}")
    low, high = _age(where, raw, "min_age_years"), _age(where, raw, "max_age_years")
    if low is not None and high is not None and low > high:
        raise CatalogueError(f"{where}: min_age_years is above max_age_years")
    return {**raw, "code": code, "system": system, "restricted": raw.get("restricted"),
            "max_daily_dose": _dose(where, raw.get("max_daily_dose")), "min_age_years": low, "max_age_years": high,
            "allergy_classes": list(allergies), "citation": _citation(where, raw["citation"])}


def parse(data):
    """(restricted classes, {(system, code): entry}, allergy classes, class citation) from the loaded YAML."""
    if not isinstance(data, dict):
        raise CatalogueError("the catalogue must be a mapping")
    for field in ("system", "restricted_classes", "allergy_classes", "class_source", "medications"):
        if not data.get(field):
            raise CatalogueError(f"the catalogue has no {field}")
    system, classes = data["system"], tuple(data["restricted_classes"])
    allergy_classes = _allergy_classes(data["allergy_classes"])
    class_source = _citation("class_source", data["class_source"])
    entries = {}
    for raw in data["medications"]:
        entry = _medication(raw, system, classes, allergy_classes)
        key = (system, entry["code"])
        if key in entries:
            raise CatalogueError(f"medication {entry['code']}: listed twice")
        entries[key] = entry
    return classes, entries, allergy_classes, class_source


def read(path):
    """Parse and check a catalogue file (CatalogueError naming the file and what is wrong)."""
    try:
        return parse(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, CatalogueError) as exc:
        raise CatalogueError(f"pharmacy catalogue {path}: {exc}") from None


@functools.cache
def _load():
    return read(DATA)


def check():
    """Load and check the shipped catalogue now (start-up): a bad file fails here, not in a review."""
    _load.cache_clear()
    _load()


def restricted_classes():
    """The special-management classes that are never prescribed online."""
    return _load()[0]


def lookup(code, system=ATC):
    """The catalogue entry of a medication (a copy), or None when unknown."""
    entry = _load()[1].get((system, (code or "").strip().upper()))
    return dict(entry) if entry else None


def restricted_class(code, system=ATC):
    """The restricted class of a medication, or None when ordinary or unknown."""
    entry = lookup(code, system)
    return entry["restricted"] if entry else None


def medications(include_restricted=True):
    """Every catalogue entry, in file order."""
    return [dict(e) for e in _load()[1].values() if include_restricted or not e["restricted"]]


def allergy_classes():
    """{class name: {names, atc}}: how an allergy record names each cross-reactivity group."""
    return dict(_load()[2])


def class_citation():
    """Where the therapeutic classes come from (the WHO ATC index)."""
    return dict(_load()[3])


def display(entry, language="en"):
    """A human label such as 'amlodipine 5 mg tablet' (or the Chinese name)."""
    name = entry["name_zh"] if language == "zh" else entry["name"]
    return f"{name} {entry['strength']} {entry['form']}"


def search(text=None):
    """The catalogue's medications whose code, name or Chinese name contains `text` (all when empty), by name."""
    needle = (text or "").strip().casefold()
    found = [dict(e) for e in _load()[1].values()
             if not needle or any(needle in str(e[f]).casefold() for f in ("code", "name", "name_zh"))]
    return sorted(found, key=lambda e: (e["name"].casefold(), e["code"]))
