"""Pure logic: the FHIRPath subset, value normalisation and index extraction (no app, no database)."""
from datetime import datetime, timezone

import pytest

from records.search.extract import extract_rows
from records.search.fhirpath import UnsupportedExpression, compile_expression
from records.search.values import normalise_string, parse_date_range, parse_number_range, split_reference

OBS = {"resourceType": "Observation", "subject": {"reference": "Patient/1"}, "valueQuantity": {"value": 5},
       "effectivePeriod": {"start": "2020-01-01"}, "component": [{"valueCodeableConcept": {"text": "x"}}]}


def _values(expression, resource=OBS):
    return [n.value for n in compile_expression(expression)(resource)]


def test_paths_choices_casts_and_unions():
    assert _values("Observation.effective") == [{"start": "2020-01-01"}]
    assert _values("(Observation.value as Quantity)") == [{"value": 5}]
    assert _values("(Observation.value as CodeableConcept)") == []
    assert _values("Observation.value.as(Quantity) | Observation.subject") == [{"value": 5}, {"reference": "Patient/1"}]
    assert _values("(Observation.component.value as CodeableConcept).text") == ["x"]


def test_where_resolve_and_field_filters():
    assert _values("Observation.subject.where(resolve() is Patient)") == [{"reference": "Patient/1"}]
    assert _values("Observation.subject.where(resolve() is Group)") == []
    patient = {"resourceType": "Patient", "telecom": [{"system": "email", "value": "a@b"}, {"system": "phone", "value": "1"}]}
    assert _values("Patient.telecom.where(system='phone')", patient) == [{"system": "phone", "value": "1"}]


def test_unsupported_expressions_are_refused_at_compile_time():
    with pytest.raises(UnsupportedExpression):
        compile_expression("Patient.deceased.exists() and Patient.deceased != false")


def test_normalise_string():
    assert normalise_string("  Élodie  MÜLLER ") == "elodie muller"
    assert normalise_string("李伟") == "李伟"
    assert normalise_string("ＬＩ") == "li"  # full-width Latin folds to ASCII (NFKD)


def test_date_ranges_by_precision():
    utc = timezone.utc
    assert parse_date_range("1980") == (datetime(1980, 1, 1, tzinfo=utc), datetime(1981, 1, 1, tzinfo=utc))
    assert parse_date_range("1980-12") == (datetime(1980, 12, 1, tzinfo=utc), datetime(1981, 1, 1, tzinfo=utc))
    assert parse_date_range("2020-01-02T10:00:00+08:00")[0] == datetime(2020, 1, 2, 2, 0, tzinfo=utc)
    assert parse_date_range("2020-01-02T10:00")[1] == datetime(2020, 1, 2, 10, 1, tzinfo=utc)
    assert parse_date_range("1980-02-30") is None and parse_date_range("soon") is None


def test_number_ranges_and_references():
    assert parse_number_range("5.4") == (5.4, 5.35, 5.45)
    assert parse_number_range("100") == (100.0, 99.5, 100.5)
    assert parse_number_range("x") is None
    assert split_reference("http://h/fhir/Patient/1/_history/2") == ("Patient", "1")
    assert split_reference("#contained") == (None, None)


def test_extraction_covers_every_index_kind():
    rows = extract_rows({**OBS, "status": "final", "code": {"coding": [{"system": "s", "code": "c"}]}})
    assert {"param": "patient", "target_type": "Patient", "target_id": "1"}.items() <= rows["reference"][0].items()
    assert any(r["param"] == "code" and (r["system"], r["code"]) == ("s", "c") for r in rows["token"])
    assert any(r["param"] == "value-quantity" and r["low"] == 5.0 for r in rows["quantity"])
    date = next(r for r in rows["date"] if r["param"] == "date")
    assert date["high"].year == 9999  # an open Period runs to the end of time
