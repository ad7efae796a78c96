"""Pre-review flags and daily doses without an app: items + patient facts + the shipped catalogue."""
import pytest

from pharmacy import catalogue, dosing
from pharmacy.review_flags import compute_flags

ATC = "http://www.whocc.no/atc"
ADULT = {"patient": {"age_years": 45, "sex": "female"}}


def item(code, dose="5 mg", frequency="once daily", position=0):
    return {"position": position, "code": code, "system": ATC, "dose": dose, "frequency": frequency}


def codes(flags):
    return [(f["code"], f["item_position"]) for f in flags]


@pytest.mark.parametrize("dose, frequency, strength, unit, expected", [
    ("5 mg", "once daily", "5 mg", "mg", 5),
    ("10 mg", "twice daily", "5 mg", "mg", 20),
    ("2 tablets", "bid", "5 mg", "mg", 20),
    ("1 tablet", "tid", "500 mg", "mg", 1500),
    ("2 puffs", "four times daily", "100 µg/dose", "µg", 800),
    ("1 g", "every 8 hours", "500 mg", "mg", 3000),
    ("0.1 mg", "daily", "50 µg", "µg", 100),
    ("5 mg", "每日两次", "5 mg", "mg", 10),
    ("5 mg", "3 times a day", "5 mg", "mg", 15),
    ("5 mg", "as needed", "5 mg", "mg", None),
    ("half a tablet", "once daily", "5 mg", "mg", None),
    ("5 ml", "once daily", "5 mg", "mg", None),
])
def test_daily_amount_reads_common_dose_and_frequency_texts(dose, frequency, strength, unit, expected):
    assert dosing.daily_amount(dose, frequency, strength, unit) == expected


def test_an_ordinary_prescription_for_an_adult_has_no_flags():
    assert compute_flags([item("C08CA01")], ADULT, catalogue) == []


def test_dose_above_the_catalogue_maximum_names_the_dose_and_the_label():
    [flag] = compute_flags([item("C08CA01", "10 mg", "twice daily")], ADULT, catalogue)
    assert (flag["code"], flag["severity"]) == ("dose_above_maximum", "high")
    assert "20 mg a day" in flag["reason"] and "10 mg a day" in flag["reason"]
    assert "Norvasc" in flag["citation"]["source"] and flag["citation"]["url"].startswith("https://")


def test_an_unreadable_dose_is_flagged_for_a_hand_check_not_guessed():
    [flag] = compute_flags([item("C08CA01", "5 mg", "when needed")], ADULT, catalogue)
    assert flag["code"] == "dose_unverifiable" and flag["severity"] == "warning"


def test_age_limits_and_an_unknown_age():
    child = {"patient": {"age_years": 4}}
    [flag] = compute_flags([item("C08CA01")], child, catalogue)
    assert flag["code"] == "age_below_minimum" and "is 4" in flag["reason"] and "under 6" in flag["reason"]
    assert codes(compute_flags([item("B01AC06", "100 mg")], {"patient": {"age_years": 15}}, catalogue)) == [
        ("age_below_minimum", 0)]
    assert codes(compute_flags([item("C08CA01")], {"patient": {}}, catalogue)) == [("age_unknown", 0)]
    # levothyroxine has no age limit: nothing to check, so no flag even without an age
    assert compute_flags([item("H03AA01", "50 µg")], {"patient": {}}, catalogue) == []


def test_duplicate_therapy_between_items_and_with_a_current_medicine():
    flags = compute_flags([item("C08CA01"), item("C08CA05", "30 mg", position=1)], ADULT, catalogue)
    assert codes(flags) == [("duplicate_therapy", 0)]
    assert "ATC C08CA" in flags[0]["reason"] and "WHO" in flags[0]["citation"]["source"]
    current = {**ADULT, "medicines": [
        {"ref": "MedicationRequest/m1", "name": "losartan 50 mg tablet", "status": "active",
         "codes": [{"system": ATC, "code": "C09CA01"}]},
        {"ref": "MedicationStatement/s1", "name": "缬沙坦胶囊", "codes": []}]}
    flags = compute_flags([item("C09CA04", "150 mg")], current, catalogue)
    assert [(f["code"], f["facts"]) for f in flags] == [("duplicate_therapy", ["MedicationRequest/m1"]),
                                                        ("duplicate_therapy", ["MedicationStatement/s1"])]
    same = compute_flags([item("C09CA01", "50 mg")], current, catalogue)
    assert "the same medicine" in same[0]["reason"]


def test_allergy_match_by_class_word_chinese_text_and_atc_code():
    def allergy(**fields):
        return {**ADULT, "allergies": [{"ref": "AllergyIntolerance/a1", **fields}]}

    hctz = [item("C03AA03", "25 mg")]
    for facts in (allergy(substance="Sulfa drugs", criticality="high"), allergy(substance="磺胺类药物过敏"),
                  allergy(substance=None, codes=[{"system": ATC, "code": "J01EE01", "display": None}])):
        [flag] = compute_flags(hctz, facts, catalogue)
        assert (flag["code"], flag["severity"], flag["facts"]) == ("allergy_match", "high", ["AllergyIntolerance/a1"])
        assert "sulfonamides" in flag["reason"] and "Microzide" in flag["citation"]["source"]
    # whole words only: an allergy to nystatin is not an allergy to statins
    assert compute_flags([item("C10AA05", "20 mg")], allergy(substance="nystatin"), catalogue) == []
    [flag] = compute_flags([item("C10AA05", "20 mg")], allergy(substance="simvastatin (myopathy)"), catalogue)
    assert flag["code"] == "allergy_match"


def test_restricted_and_unknown_medicines_are_flagged():
    flags = compute_flags([item("N02AA01", "10 mg"), item("Z99ZZ99", position=1)], ADULT, catalogue)
    assert codes(flags) == [("restricted_class", 0), ("not_in_catalogue", 1)]
    assert "narcotic" in flags[0]["reason"]


def test_keys_are_stable_and_unique():
    facts = {"patient": {}, "allergies": [{"ref": "AllergyIntolerance/a1", "substance": "amlodipine"},
                                          {"ref": "AllergyIntolerance/a2", "substance": "dihydropyridines"}]}
    items = [item("C08CA01", "10 mg", "twice daily"), item("C08CA05", "30 mg", position=1)]
    first, again = compute_flags(items, facts, catalogue), compute_flags(items, facts, catalogue)
    assert first == again and len({f["key"] for f in first}) == len(first)
    assert {"allergy_match", "dose_above_maximum", "age_unknown", "duplicate_therapy"} <= {f["code"] for f in first}
