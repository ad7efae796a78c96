"""String and token search (https://hl7.org/fhir/R4/search.html#string, #token)."""
import pytest

from records import store
from tests.records.store.builders import ids, patient

pytestmark = pytest.mark.usefixtures("ctx")


def _make(**kwargs):
    return store.create_resource(patient(**kwargs))["id"]


def test_string_default_is_case_and_accent_insensitive_starts_with():
    muller = _make(family="Müller", given=("Élodie",))
    _make(family="Smith")
    for value in ("mul", "MÜLLER", "muller", "Mu"):
        assert ids(store.search("Patient", [("family", value)])) == [muller]
    assert ids(store.search("Patient", [("given", "elo")])) == [muller]
    assert ids(store.search("Patient", [("family", "uller")])) == []


def test_chinese_names_match_family_given_and_whole_name():
    li = _make(family="李", given=("伟",))
    _make(family="王", given=("芳",))
    assert ids(store.search("Patient", [("name", "李")])) == [li]
    assert ids(store.search("Patient", [("family", "李")])) == [li]
    assert ids(store.search("Patient", [("name", "李伟")])) == [li]
    assert ids(store.search("Patient", [("given", "伟")])) == [li]


def test_name_matches_any_part_and_full_name():
    wei = _make(family="Li", given=("Wei", "Ming"))
    assert ids(store.search("Patient", [("name", "ming")])) == [wei]
    assert ids(store.search("Patient", [("name", "wei ming li")])) == [wei]


def test_string_exact_and_contains():
    muller = _make(family="Müller")
    assert ids(store.search("Patient", [("family:exact", "Müller")])) == [muller]
    assert ids(store.search("Patient", [("family:exact", "müller")])) == []
    assert ids(store.search("Patient", [("family:contains", "LLE")])) == [muller]
    assert ids(store.search("Patient", [("family:contains", "%")])) == []


def test_comma_is_or_and_repeated_param_is_and():
    li = _make(family="Li", given=("Wei",))
    wang = _make(family="Wang", given=("Wei",))
    assert sorted(ids(store.search("Patient", [("family", "li,wang")]))) == sorted([li, wang])
    assert ids(store.search("Patient", [("given", "wei"), ("family", "wang")])) == [wang]


def test_missing_true_and_false():
    named = _make()
    nameless = store.create_resource({"resourceType": "Patient", "gender": "female"})["id"]
    assert ids(store.search("Patient", [("name:missing", "true")])) == [nameless]
    assert ids(store.search("Patient", [("name:missing", "false")])) == [named]
    assert ids(store.search("Patient", [("birthdate:missing", "true")])) == [nameless]


def test_token_code_system_and_forms():
    a = store.create_resource(patient(identifier=[{"system": "urn:sys:a", "value": "123"}]))["id"]
    b = store.create_resource(patient(identifier=[{"system": "urn:sys:b", "value": "123"}]))["id"]
    c = store.create_resource(patient(identifier=[{"value": "123"}]))["id"]
    assert sorted(ids(store.search("Patient", [("identifier", "123")]))) == sorted([a, b, c])
    assert ids(store.search("Patient", [("identifier", "urn:sys:a|123")])) == [a]
    assert ids(store.search("Patient", [("identifier", "|123")])) == [c]
    assert ids(store.search("Patient", [("identifier", "urn:sys:b|")])) == [b]


def test_token_on_code_boolean_and_telecom():
    male = _make(gender="male", active=True, telecom=[{"system": "phone", "value": "13900000001"}])
    _make(gender="female")
    assert ids(store.search("Patient", [("gender", "male")])) == [male]
    assert ids(store.search("Patient", [("active", "true")])) == [male]
    assert ids(store.search("Patient", [("phone", "13900000001")])) == [male]
    assert ids(store.search("Patient", [("telecom", "13900000001")])) == [male]


def test_token_not_includes_resources_without_the_element():
    male = _make(gender="male")
    female = _make(gender="female")
    unknown = store.create_resource({"resourceType": "Patient"})["id"]
    assert sorted(ids(store.search("Patient", [("gender:not", "male")]))) == sorted([female, unknown])
    assert male not in ids(store.search("Patient", [("gender:not", "male")]))


def test_token_text_matches_display_case_insensitively():
    cond = store.create_resource({"resourceType": "Condition", "subject": {"reference": "Patient/x"},
                                  "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I10"}],
                                           "text": "Essential Hypertension"}})["id"]
    assert ids(store.search("Condition", [("code:text", "essential hyp")])) == [cond]
    assert ids(store.search("Condition", [("code", "http://hl7.org/fhir/sid/icd-10|I10")])) == [cond]


def test_id_and_escaped_comma():
    pid = _make()
    assert ids(store.search("Patient", [("_id", f"{pid},other")])) == [pid]
    weird = _make(family="a,b")
    assert ids(store.search("Patient", [("family", r"a\,b")])) == [weird]
