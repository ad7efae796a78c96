"""Codes outside an element's required value set (https://hl7.org/fhir/R4/terminologies.html#required) are
refused with a 400 OperationOutcome `code-invalid` naming where, and nothing is stored: at the top level,
in data types, backbone elements, contained resources and transaction entries (records.bindings)."""
import pytest
from sqlalchemy import func, select

from core.extensions import db
from records.bindings import code_problems
from records.models import Resource, ResourceVersion
from tests.records.fhir.conftest import auth, observation


def _count(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Resource))
                + db.session.scalar(select(func.count()).select_from(ResourceVersion)))


@pytest.mark.parametrize("resource, where", [
    ({"resourceType": "Patient", "gender": "robot"}, "Patient.gender"),
    ({"resourceType": "Patient", "telecom": [{"system": "phone", "value": "1"}, {"system": "pigeon", "value": "2"}]},
     "Patient.telecom[1].system"),
    ({"resourceType": "Patient", "contact": [{"gender": "none"}]}, "Patient.contact[0].gender"),
    ({"resourceType": "Patient", "name": [{"use": "nickname-ish", "family": "Li"}]}, "Patient.name[0].use"),
    ({"resourceType": "Patient", "contained": [{"resourceType": "Organization", "id": "o",
                                                "telecom": [{"system": "telegraph"}]}]},
     "Patient.contained[0].telecom[0].system"),
])
def test_a_code_outside_its_required_value_set_is_refused_and_nothing_stored(app, client, cast, resource, where):
    before = _count(app)
    r = client.post("/fhir/Patient", json=resource, headers=auth(cast.admin))
    body = r.get_json()
    assert r.status_code == 400 and body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "code-invalid" and body["issue"][0]["expression"] == [where]
    assert _count(app) == before


def test_status_codes_of_clinical_resources_are_checked_on_update_too(client, cast):
    created = client.post("/fhir/Observation", json=observation(cast.p1), headers=auth(cast.doc_a)).get_json()
    r = client.put(f"/fhir/Observation/{created['id']}", json={**created, "status": "finished"},
                   headers=auth(cast.doc_a))
    assert r.status_code == 400 and r.get_json()["issue"][0]["expression"] == ["Observation.status"]
    assert client.get(f"/fhir/Observation/{created['id']}", headers=cast.doc_a).get_json()["status"] == "final"


def test_one_bad_code_rolls_back_the_whole_transaction(app, client, cast):
    before = _count(app)
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": {"resourceType": "Patient", "gender": "female"}, "request": {"method": "POST", "url": "Patient"}},
        {"resource": {"resourceType": "Patient", "gender": "f"}, "request": {"method": "POST", "url": "Patient"}}]}
    r = client.post("/fhir", json=bundle, headers=auth(cast.admin))
    assert r.status_code == 400 and r.get_json()["resourceType"] == "OperationOutcome"
    assert _count(app) == before


def test_allowed_codes_pass_everywhere():
    resource = {"resourceType": "Patient", "gender": "female", "telecom": [{"system": "phone", "use": "mobile"}],
                "name": [{"use": "official", "family": "Li"}], "contact": [{"gender": "male"}],
                "contained": [{"resourceType": "Organization", "id": "o", "telecom": [{"system": "email"}]}],
                "identifier": [{"use": "official", "value": "1"}], "extension": [{"url": "urn:x", "valueCode": "any"}]}
    assert code_problems(resource) == []
    # Codes in a CodeableConcept or Coding are not required-bound here (terminology the server does not hold).
    assert code_problems({"resourceType": "Observation", "status": "final",
                          "code": {"coding": [{"system": "http://loinc.org", "code": "anything"}]}}) == []
