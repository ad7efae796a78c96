"""Code catalogues: SNOMED CT symptoms, ATC medications and ICD-10 matching."""

import pytest

from clinic.risk.engine import catalogue
from clinic.risk.engine.catalogue import ATC, SNOMED


@pytest.mark.parametrize(("code", "display", "urgency"), [
    pytest.param("29857009", "Chest pain", "emergency", id="chest-pain"),
    pytest.param("267036007", "Dyspnoea", "emergency", id="dyspnoea"),
    pytest.param("419045004", "Loss of consciousness", "emergency", id="loss-of-consciousness"),
    pytest.param("6471006", "Suicidal thoughts", "emergency", id="suicidal-thoughts"),
    pytest.param("289195008", "Slurred speech", "emergency", id="slurred-speech"),
    pytest.param("91175000", "Seizure", "emergency", id="seizure"),
    pytest.param("131148009", "Bleeding", "urgent", id="bleeding"),
    pytest.param(" 116290004 ", "Acute abdominal pain", "urgent", id="whitespace-trimmed"),
])
def test_red_flag_symptoms(code, display, urgency):
    entry = catalogue.lookup_symptom(code)
    assert entry["display"] == display and entry["red_flag"] is True
    assert entry["urgency"] == urgency
    assert code.strip() in catalogue.red_flag_codes(urgency)


@pytest.mark.parametrize("code", ["25064002", "49727002", "84229001", "404640003", "386661006",
                                  "80313002", "422587007", "193462001", "366979004"])
def test_ordinary_symptoms_are_not_red_flags(code):
    entry = catalogue.lookup_symptom(code)
    assert entry["red_flag"] is False and "urgency" not in entry
    assert code not in catalogue.red_flag_codes()


def test_unknown_symptom_or_wrong_system_is_none():
    assert catalogue.lookup_symptom("123456") is None
    assert catalogue.lookup_symptom("29857009", system="http://loinc.org") is None


@pytest.mark.parametrize(("code", "expected"), [
    pytest.param("N02AA01", "narcotic", id="morphine"),
    pytest.param("N02AA05", "narcotic", id="oxycodone"),
    pytest.param("N02AB03", "narcotic", id="fentanyl"),
    pytest.param("N05BA01", "psychotropic", id="diazepam"),
    pytest.param("N05BA12", "psychotropic", id="alprazolam"),
    pytest.param("n05cf02 ", "psychotropic", id="zolpidem-normalised"),
    pytest.param("L01XX27", "toxic", id="arsenic-trioxide"),
    pytest.param("V10XA01", "radioactive", id="iodine-131"),
    pytest.param("C08CA01", None, id="amlodipine"),
    pytest.param("C09CA01", None, id="losartan"),
    pytest.param("A10BA02", None, id="metformin"),
    pytest.param("C10AA05", None, id="atorvastatin"),
    pytest.param("B01AC06", None, id="aspirin"),
    pytest.param("Z99ZZ99", None, id="unknown-code"),
])
def test_control_class(code, expected):
    assert catalogue.control_class(code) == expected


def test_medication_entry_has_names_and_needs_atc_system():
    entry = catalogue.lookup_medication("A10BA02", ATC)
    assert (entry["name"], entry["name_zh"]) == ("metformin", "二甲双胍")
    assert entry["strength"] == "500 mg"
    assert catalogue.lookup_medication("A10BA02", "http://www.nlm.nih.gov/research/umls/rxnorm") is None


@pytest.mark.parametrize(("code", "category", "expected"), [
    pytest.param("E11.9", "E11", True, id="subcode-in-category"),
    pytest.param("E11", "E11", True, id="category-itself"),
    pytest.param(" e11.9 ", "E11", True, id="case-and-space"),
    pytest.param("E119", "E11", True, id="no-dot"),
    pytest.param("E11.900", "E11.9", True, id="icd10-cn-extension"),
    pytest.param("E11.1", "E11.9", False, id="sibling-subcategory"),
    pytest.param("E11", "E11.9", False, id="category-not-in-subcategory"),
    pytest.param("E1", "E11", False, id="truncated-code"),
    pytest.param("E11.9", "E1", False, id="truncated-category"),
    pytest.param("E12.0", "E11", False, id="other-category"),
    pytest.param("E111.9", "E11", False, id="not-a-prefix-match"),
    pytest.param("I11.9", "I10-I15", True, id="in-range"),
    pytest.param("I15", "I10-I15", True, id="range-end"),
    pytest.param("I16", "I10-I15", False, id="past-range"),
    pytest.param("I10", "I15-I10", False, id="reversed-range"),
    pytest.param("", "E11", False, id="empty"),
    pytest.param(None, "E11", False, id="none"),
])
def test_icd10_matches(code, category, expected):
    assert catalogue.icd10_matches(code, category) is expected


def test_chronic_categories_cover_the_online_follow_up_diseases():
    cats = {c["category"] for c in catalogue.chronic_categories()}
    assert {"I10-I15", "E10-E14", "F32", "F41", "J44", "J45"} <= cats
    assert catalogue.icd10_matches("E11.9", "E10-E14")
    assert all(catalogue.is_icd10_category(c) for c in cats)


def test_catalogue_data_for_docs_is_a_copy():
    data = catalogue.catalogue_data()
    assert data["systems"] == {"snomed": SNOMED, "atc": ATC,
                               "icd10": "http://hl7.org/fhir/sid/icd-10"}
    assert len(data["symptoms"]) >= 20 and len(data["medications"]) >= 20
    assert all(s["system"] == SNOMED for s in data["symptoms"])
    data["medications"][0]["control_class"] = None
    data["icd10_chronic_categories"].clear()
    assert catalogue.control_class("N02AA01") == "narcotic"
    assert catalogue.chronic_categories()


def test_required_codes_are_all_present():
    for code in ("29857009", "267036007", "419045004", "131148009", "6471006", "289195008",
                 "25064002", "49727002", "84229001", "404640003"):
        assert catalogue.lookup_symptom(code), code
    for code in ("C08CA05", "C09CA03", "A10BB12", "N05CF02", "N02AA05"):
        assert catalogue.lookup_medication(code), code
