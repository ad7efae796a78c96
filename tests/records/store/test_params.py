"""Unsupported parameters (lenient vs strict), unknown types, and the advertised parameter list."""
import pytest

from records import store
from records.errors import FhirError

pytestmark = pytest.mark.usefixtures("ctx")


def test_unknown_param_is_collected_when_lenient():
    result = store.search("Patient", [("shoe-size", "42"), ("family:sounds-like", "li")])
    assert [name for name, _ in result.unsupported] == ["shoe-size", "family:sounds-like"]


def test_unknown_param_is_400_when_strict():
    with pytest.raises(FhirError) as error:
        store.search("Patient", [("shoe-size", "42")], strict=True)
    assert (error.value.status, error.value.code) == (400, "not-supported")


def test_unknown_type_is_404():
    with pytest.raises(FhirError) as error:
        store.search("Spaceship", [])
    assert error.value.status == 404


def test_bad_missing_value_is_400():
    with pytest.raises(FhirError):
        store.search("Patient", [("name:missing", "maybe")])


def test_supported_params_cover_the_required_set():
    supported = {t: {p["name"] for p in params} for t, params in store.supported_search_params().items()}
    required = {
        "Patient": {"_id", "_lastUpdated", "identifier", "name", "family", "given", "birthdate", "gender",
                    "telecom", "phone", "general-practitioner", "organization"},
        "Encounter": {"patient", "subject", "date", "status", "class", "participant", "service-provider"},
        "Observation": {"patient", "subject", "code", "category", "date", "value-quantity", "encounter"},
        "Condition": {"patient", "code", "clinical-status", "onset-date", "encounter"},
        "MedicationRequest": {"patient", "status", "intent", "authoredon", "requester", "code"},
        "MedicationDispense": {"patient", "status", "prescription", "performer"},
        "Appointment": {"patient", "practitioner", "date", "status"}, "Schedule": {"actor"},
        "Slot": {"schedule", "start", "status"}, "Consent": {"patient", "status", "category"},
        "Communication": {"subject", "encounter", "sent"}, "DiagnosticReport": {"patient", "code", "date"},
        "QuestionnaireResponse": {"subject", "authored"}, "AuditEvent": {"agent", "entity", "date", "type"},
        "Provenance": {"target"},
    }
    for rtype, names in required.items():
        assert names <= supported[rtype], (rtype, names - supported[rtype])
    for rtype in ("Practitioner", "PractitionerRole", "Organization", "Location", "AllergyIntolerance",
                  "DocumentReference"):
        assert {"_id", "_lastUpdated"} <= supported[rtype]
    assert "phonetic" not in supported["Patient"]


def test_every_advertised_param_can_be_searched():
    for rtype, params in store.supported_search_params().items():
        for param in params:
            value = {"date": "2020", "quantity": "1", "number": "1"}.get(param["type"], "x")
            result = store.search(rtype, [(param["name"], value)], strict=True)
            assert result.resources == []
