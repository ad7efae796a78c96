"""The pharmacy's medication catalogue (pharmacy owns drugs and their restricted classes); no Flask here."""
import functools
from pathlib import Path

import yaml

ATC = "http://www.whocc.no/atc"
DATA = Path(__file__).resolve().parent / "data" / "catalogue.yaml"


class CatalogueError(ValueError):
    """The catalogue file is inconsistent."""


@functools.cache
def _load():
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    system = data["system"]
    classes = tuple(data["restricted_classes"])
    entries = {}
    for raw in data["medications"]:
        entry = {"system": system, "restricted": None, **raw}
        if entry["restricted"] is not None and entry["restricted"] not in classes:
            raise CatalogueError(f"{entry['code']}: unknown restricted class {entry['restricted']!r}")
        key = (system, entry["code"])
        if key in entries:
            raise CatalogueError(f"{entry['code']}: listed twice")
        entries[key] = entry
    return classes, entries


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


def display(entry, language="en"):
    """A human label such as 'amlodipine 5 mg tablet' (or the Chinese name)."""
    name = entry["name_zh"] if language == "zh" else entry["name"]
    return f"{name} {entry['strength']} {entry['form']}"
