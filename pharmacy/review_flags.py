"""Pre-review flags: what a pharmacist must look at in a prescription, with the reasons (pure: no Flask, no database).

`compute_flags(items, facts, catalogue)` reads the prescription items, the patient facts gathered from the
record (pharmacy.review_facts: age, sex, allergies, conditions, current medicines) and the catalogue
(pharmacy.catalogue, or anything with its `lookup`, `medications`, `allergy_classes` and `class_citation`)
and returns one flag per concern, each {key, code, severity, item_position, reason, citation, facts}.
`key` is stable (the same inputs give the same keys), so flags can be stored and decided one by one.
Missing facts never hide a concern: an unknown age against an age limit is itself a flag.
"""
import re

from pharmacy import dosing

ATC = "http://www.whocc.no/atc"
HIGH, WARNING = "high", "warning"
CODES = {  # code -> severity
    "restricted_class": HIGH, "allergy_match": HIGH, "dose_above_maximum": HIGH, "age_below_minimum": HIGH,
    "age_above_maximum": HIGH, "duplicate_therapy": WARNING, "dose_unverifiable": WARNING, "age_unknown": WARNING,
    "not_in_catalogue": WARNING,
}
CJK = re.compile(r"[\u3400-\u9fff]")


def _flag(code, position, reason, citation=None, facts=(), key_extra=""):
    key = f"{code}:{position}" + (f":{key_extra}" if key_extra else "")
    return {"key": key, "code": code, "severity": CODES[code], "item_position": position, "reason": reason,
            "citation": citation, "facts": list(facts)}


def _mentions(text, term):
    """True when `term` names something in `text`: a whole word in Latin script, a substring in Chinese."""
    text, term = (text or "").lower(), term.lower()
    if CJK.search(term):
        return term in text
    return re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", text) is not None


def _label(entry, item):
    return f"{entry['name']} ({item['code']})" if entry else item["code"]


def _cite(entry):
    return entry["citation"] if entry else None


def _atc_codes(fact):
    return [c["code"].upper() for c in fact.get("codes") or [] if c.get("system") == ATC and c.get("code")]


def _texts(fact):
    return [t for t in [fact.get("name"), fact.get("substance"), *(c.get("display") for c in fact.get("codes") or [])]
            if t]


def _restricted(item, entry):
    if entry and entry["restricted"]:
        yield _flag("restricted_class", item["position"], f"{_label(entry, item)} is a {entry['restricted']} drug "
                    "(special management): it may not be prescribed online.", _cite(entry))


def _age(item, entry, patient):
    low, high = (entry or {}).get("min_age_years"), (entry or {}).get("max_age_years")
    if low is None and high is None:
        return
    age, label, limits = patient.get("age_years"), _label(entry, item), f"{low if low is not None else 0}" \
        f"{'-' + str(high) if high is not None else '+'} years"
    if age is None:
        yield _flag("age_unknown", item["position"], f"{label} is labelled for ages {limits}, and the record has "
                    "no birth date to check the patient's age against.", _cite(entry))
    elif low is not None and age < low:
        yield _flag("age_below_minimum", item["position"], f"The patient is {age}; {label} is not labelled for "
                    f"patients under {low} years.", _cite(entry), ["patient.age_years"])
    elif high is not None and age > high:
        yield _flag("age_above_maximum", item["position"], f"The patient is {age}; {label} is not labelled for "
                    f"patients over {high} years.", _cite(entry), ["patient.age_years"])


def _dose(item, entry):
    maximum = (entry or {}).get("max_daily_dose")
    if not maximum:
        return
    unit, label = maximum["unit"], _label(entry, item)
    daily = dosing.daily_amount(item.get("dose"), item.get("frequency"), entry["strength"], unit)
    if daily is None:
        yield _flag("dose_unverifiable", item["position"], f"The daily dose of {label} cannot be read from "
                    f"{item.get('dose')!r} x {item.get('frequency')!r}; check it against the maximum of "
                    f"{maximum['value']:g} {unit} a day by hand.", _cite(entry))
    elif daily > maximum["value"]:
        yield _flag("dose_above_maximum", item["position"], f"{label} {item['dose']} {item['frequency']} is "
                    f"{daily:g} {unit} a day, above the maximum of {maximum['value']:g} {unit} a day.", _cite(entry))


def _allergy_terms(entry, classes):
    """(words, ATC prefixes, class names) an allergy record may use to name this drug or its groups."""
    words, prefixes, names = [entry["name"], entry["name_zh"]], [entry["code"]], []
    for name in entry.get("allergy_classes") or ():
        spec = classes.get(name) or {"names": (), "atc": ()}
        words += spec["names"]
        prefixes += spec["atc"]
        names.append(name)
    return words, prefixes, names


def _allergy_matches(allergy, entry, words, prefixes):
    for code in _atc_codes(allergy):
        if entry["code"].startswith(code) or any(code.startswith(p) for p in prefixes):
            return f"ATC {code}"
    for text in _texts(allergy):
        for word in words:
            if _mentions(text, word):
                return f"'{text}'"
    return None


def _allergies(item, entry, allergies, classes):
    if not entry:
        return
    words, prefixes, names = _allergy_terms(entry, classes)
    for allergy in allergies:
        match = _allergy_matches(allergy, entry, words, prefixes)
        if match:
            groups = f" (groups: {', '.join(names)})" if names else ""
            criticality = f", criticality {allergy['criticality']}" if allergy.get("criticality") else ""
            yield _flag("allergy_match", item["position"], f"The record lists an allergy to "
                        f"{allergy.get('substance') or match} ({allergy.get('ref')}{criticality}); it matches "
                        f"{_label(entry, item)}{groups} by {match}.", _cite(entry), [allergy.get("ref")],
                        key_extra=allergy.get("ref") or match)


def _medicine_entries(medicine, catalogue):
    """Catalogue entries a current medicine is: by its ATC code, else by a drug name in its text."""
    codes = _atc_codes(medicine)
    known = [e for e in (catalogue.lookup(c) for c in codes) if e]
    if known or codes:
        return known or [{"code": c, "name": c, "therapeutic_class": c[:5]} for c in codes if len(c) >= 5]
    return [e for e in catalogue.medications() for text in _texts(medicine)
            if _mentions(text, e["name"]) or _mentions(text, e["name_zh"])]


def _duplicates(items, entries, medicines, catalogue):
    cite = catalogue.class_citation()
    for n, item in enumerate(items):
        entry = entries[n]
        if not entry:
            continue
        group, label = entry["therapeutic_class"], _label(entry, item)
        for other, other_entry in zip(items[n + 1:], entries[n + 1:]):
            if other_entry and other_entry["therapeutic_class"] == group:
                yield _flag("duplicate_therapy", item["position"], f"{label} and {_label(other_entry, other)} on "
                            f"this prescription are both ATC {group}: duplicate therapy.", cite,
                            key_extra=f"item{other['position']}")
        for medicine in medicines:
            same = [m for m in _medicine_entries(medicine, catalogue) if m["therapeutic_class"] == group]
            if same:
                status = f", {medicine['status']}" if medicine.get("status") else ""
                what = "the same medicine" if same[0]["code"] == entry["code"] else f"ATC {group} too"
                yield _flag("duplicate_therapy", item["position"], f"{label} duplicates a current medicine: "
                            f"{medicine.get('name') or same[0]['name']} ({medicine.get('ref')}{status}) is "
                            f"{what}.", cite, [medicine.get("ref")], key_extra=medicine.get("ref") or same[0]["code"])


def compute_flags(items, facts, catalogue):
    """Every pre-review flag of a prescription, in item order then by kind (see the module docstring)."""
    facts = facts or {}
    patient, allergies = facts.get("patient") or {}, facts.get("allergies") or []
    classes = catalogue.allergy_classes()
    entries = [catalogue.lookup(item["code"], item.get("system") or ATC) for item in items]
    flags = []
    for item, entry in zip(items, entries):
        if entry is None:
            flags.append(_flag("not_in_catalogue", item["position"], f"{item['code']} is not in the pharmacy "
                               "catalogue: no dose, age, allergy or class check could be made."))
            continue
        flags += [*_restricted(item, entry), *_allergies(item, entry, allergies, classes),
                  *_dose(item, entry), *_age(item, entry, patient)]
    flags += _duplicates(items, entries, facts.get("medicines") or [], catalogue)
    seen, unique = set(), []
    for flag in sorted(flags, key=lambda f: (f["item_position"], f["key"])):
        if flag["key"] not in seen:  # two routes to one concern (e.g. the same allergy twice) are one flag
            seen.add(flag["key"])
            unique.append(flag)
    return unique
