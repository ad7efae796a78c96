"""Validation with the R4B models: refusals carry the element path, and nothing is stored."""
import pytest

from records import store
from records.errors import FhirError
from records.validation import validate_resource

pytestmark = pytest.mark.usefixtures("ctx")


def test_unknown_type_is_404_not_supported():
    with pytest.raises(FhirError) as error:
        store.create_resource({"resourceType": "Spaceship"})
    assert (error.value.status, error.value.code) == (404, "not-supported")


def test_invalid_content_names_the_element():
    with pytest.raises(FhirError) as error:
        store.create_resource({"resourceType": "Patient", "birthDate": "1980-13-45"})
    assert error.value.status == 400
    assert error.value.expression == ["Patient.birthDate"]


def test_nested_invalid_content_names_the_nested_element():
    with pytest.raises(FhirError) as error:
        validate_resource({"resourceType": "Patient", "name": [{"given": "not-a-list"}]})
    assert error.value.expression == ["Patient.name[0].given"]


def test_unknown_element_is_refused():
    with pytest.raises(FhirError) as error:
        validate_resource({"resourceType": "Patient", "colour": "blue"})
    assert (error.value.code, error.value.expression) == ("structure", ["Patient.colour"])


def test_missing_required_element_is_refused():
    with pytest.raises(FhirError) as error:
        validate_resource({"resourceType": "Observation", "status": "final"})
    assert error.value.code == "required" and "Observation.code" in error.value.expression


def test_missing_resource_type_and_non_object_are_refused():
    for bad in ({"name": []}, ["Patient"]):
        with pytest.raises(FhirError) as error:
            validate_resource(bad)
        assert error.value.status == 400


def test_refused_resources_leave_nothing_stored():
    with pytest.raises(FhirError):
        store.create_resource({"resourceType": "Patient", "birthDate": "nope"})
    assert store.search("Patient", []).total == 0
    assert store.history()[1] == 0


def test_refused_update_keeps_the_current_version():
    created = store.create_resource({"resourceType": "Patient", "gender": "male"})
    with pytest.raises(FhirError):
        store.update_resource("Patient", created["id"], {**created, "gender": 7, "birthDate": "x"})
    assert store.read_resource("Patient", created["id"])["meta"]["versionId"] == "1"


def test_operation_outcome_rendering():
    outcome = FhirError(400, "value", "bad", ["Patient.birthDate"]).to_operation_outcome()
    assert outcome["issue"][0] == {"severity": "error", "code": "value", "diagnostics": "bad",
                                   "expression": ["Patient.birthDate"]}
