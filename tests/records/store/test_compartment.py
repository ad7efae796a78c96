"""Patient compartment membership and Patient/$everything
(https://hl7.org/fhir/R4/compartmentdefinition-patient.html, operation-patient-everything.html)."""
import pytest

from records import store
from records.errors import FhirError
from tests.records.store.builders import ids, observation, patient


def test_compartment_membership_follows_the_definition():
    assert store.compartment_patients({"resourceType": "Patient", "id": "p1"}) == {"p1"}
    assert store.compartment_patients(observation("p1", performer=[{"reference": "Patient/p2"},
                                                                   {"reference": "Practitioner/d"}])) == {"p1", "p2"}
    assert store.compartment_patients({"resourceType": "Encounter", "subject": {"reference": "Group/g"}}) == set()
    appointment = {"resourceType": "Appointment", "status": "booked", "participant": [
        {"actor": {"reference": "Patient/p3"}, "status": "accepted"},
        {"actor": {"reference": "Practitioner/d"}, "status": "accepted"}]}
    assert store.compartment_patients(appointment) == {"p3"}
    assert store.compartment_patients({"resourceType": "Practitioner"}) == set()
    dispense = {"resourceType": "MedicationDispense", "subject": {"reference": "http://x.org/fhir/Patient/p4"}}
    assert store.compartment_patients(dispense) == {"p4"}


@pytest.mark.usefixtures("ctx")
def test_everything_pages_through_the_compartment_with_referenced_directory_resources():
    doc = store.create_resource({"resourceType": "Practitioner", "name": [{"family": "House"}]})["id"]
    pid = store.create_resource(patient())["id"]
    other = store.create_resource(patient(family="Other"))["id"]
    mine = [store.create_resource(observation(pid, performer=[{"reference": f"Practitioner/{doc}"}]))["id"]
            for _ in range(3)]
    store.create_resource(observation(other))
    page = store.everything(pid, count=2)
    assert ids(page) == [pid, mine[0]] and page.total == 4
    assert [r["id"] for r in page.included] == [doc]
    rest = store.everything(pid, count=2, cursor=page.next_cursor)
    assert ids(rest) == mine[1:] and rest.next_cursor is None


@pytest.mark.usefixtures("ctx")
def test_everything_for_unknown_patient_is_404():
    with pytest.raises(FhirError) as error:
        store.everything("nope", count=10)
    assert error.value.status == 404


@pytest.mark.usefixtures("ctx")
def test_compartment_rows_follow_updates():
    pid = store.create_resource(patient())["id"]
    obs = store.create_resource(observation(pid))
    store.update_resource("Observation", obs["id"], {**obs, "subject": {"reference": "Patient/someone-else"}})
    assert store.search("Observation", [], patient_ids={pid}).resources == []
    assert ids(store.search("Observation", [], patient_ids={"someone-else"})) == [obs["id"]]
