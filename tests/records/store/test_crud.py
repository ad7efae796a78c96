"""Create, read, vread, update (If-Match, update-as-create), delete and history (https://hl7.org/fhir/R4/http.html)."""
import pytest

from records import store
from records.errors import FhirError
from tests.records.store.builders import patient

pytestmark = pytest.mark.usefixtures("ctx")


def test_create_assigns_id_version_and_last_updated():
    created = store.create_resource(patient())
    assert len(created["id"]) == 32
    assert created["meta"]["versionId"] == "1"
    assert created["meta"]["lastUpdated"].endswith("Z")
    assert store.read_resource("Patient", created["id"]) == created


def test_create_ignores_body_id_but_keeps_given_resource_id():
    created = store.create_resource({**patient(), "id": "from-body"}, resource_id="chosen-1")
    assert created["id"] == "chosen-1"


def test_create_with_taken_id_is_a_conflict():
    store.create_resource(patient(), resource_id="p1")
    with pytest.raises(FhirError) as error:
        store.create_resource(patient(), resource_id="p1")
    assert error.value.status == 409


def test_read_unknown_is_404():
    with pytest.raises(FhirError) as error:
        store.read_resource("Patient", "nope")
    assert (error.value.status, error.value.code) == (404, "not-found")


def test_update_creates_version_2_and_vread_serves_both():
    created = store.create_resource(patient())
    updated, was_created = store.update_resource("Patient", created["id"], {**created, "gender": "female"})
    assert (updated["meta"]["versionId"], was_created) == ("2", False)
    assert store.read_version("Patient", created["id"], "1")["gender"] == "male"
    assert store.read_version("Patient", created["id"], "2")["gender"] == "female"


def test_vread_unknown_version_is_404():
    created = store.create_resource(patient())
    with pytest.raises(FhirError) as error:
        store.read_version("Patient", created["id"], "9")
    assert error.value.status == 404


def test_update_with_matching_if_match_succeeds_in_both_spellings():
    created = store.create_resource(patient())
    second, _ = store.update_resource("Patient", created["id"], created, if_match='W/"1"')
    third, _ = store.update_resource("Patient", created["id"], second, if_match="2")
    assert third["meta"]["versionId"] == "3"


def test_update_with_stale_if_match_is_412():
    created = store.create_resource(patient())
    store.update_resource("Patient", created["id"], created)
    with pytest.raises(FhirError) as error:
        store.update_resource("Patient", created["id"], created, if_match='W/"1"')
    assert (error.value.status, error.value.code) == (412, "conflict")


def test_update_as_create_keeps_client_id():
    stored, created = store.update_resource("Patient", "client-id-1", {**patient(), "id": "client-id-1"})
    assert (stored["id"], stored["meta"]["versionId"], created) == ("client-id-1", "1", True)


def test_update_with_body_id_not_matching_url_is_400():
    with pytest.raises(FhirError) as error:
        store.update_resource("Patient", "a", {**patient(), "id": "b"})
    assert error.value.status == 400


def test_update_with_wrong_type_is_400():
    with pytest.raises(FhirError) as error:
        store.update_resource("Observation", "a", {**patient(), "id": "a"})
    assert error.value.status == 400


def test_delete_then_read_is_410_and_delete_is_idempotent():
    created = store.create_resource(patient())
    assert store.delete_resource("Patient", created["id"]) == "2"
    with pytest.raises(FhirError) as error:
        store.read_resource("Patient", created["id"])
    assert (error.value.status, error.value.code) == (410, "deleted")
    assert store.delete_resource("Patient", created["id"]) is None
    assert store.delete_resource("Patient", "never-existed") is None


def test_vread_of_a_deletion_is_410_and_earlier_versions_stay_readable():
    created = store.create_resource(patient())
    store.delete_resource("Patient", created["id"])
    with pytest.raises(FhirError) as error:
        store.read_version("Patient", created["id"], "2")
    assert error.value.status == 410
    assert store.read_version("Patient", created["id"], "1")["id"] == created["id"]


def test_update_after_delete_resurrects_with_next_version():
    created = store.create_resource(patient())
    store.delete_resource("Patient", created["id"])
    stored, was_created = store.update_resource("Patient", created["id"], created)
    assert (stored["meta"]["versionId"], was_created) == ("3", True)


def test_deleted_resources_are_not_found_by_search():
    created = store.create_resource(patient(family="Gone"))
    store.delete_resource("Patient", created["id"])
    assert store.search("Patient", [("family", "gone")]).resources == []


def test_instance_history_lists_every_version_newest_first():
    created = store.create_resource(patient())
    store.update_resource("Patient", created["id"], created)
    store.delete_resource("Patient", created["id"])
    entries, total = store.history("Patient", created["id"])
    assert total == 3
    assert [(e["version_id"], e["method"]) for e in entries] == [("3", "DELETE"), ("2", "PUT"), ("1", "POST")]
    assert entries[0]["resource"] is None and entries[1]["resource"]["meta"]["versionId"] == "2"


def test_type_and_system_history_with_count_offset_and_since():
    first = store.create_resource(patient())
    store.create_resource({"resourceType": "Organization", "name": "Clinic"})
    _, total = store.history("Patient")
    assert total == 1
    entries, total = store.history(count=1, offset=1)
    assert total == 2 and entries[0]["id"] == first["id"]
    later, _ = store.history(since=entries[0]["last_updated"])
    assert len(later) == 2


def test_history_of_unknown_resource_is_404():
    with pytest.raises(FhirError) as error:
        store.history("Patient", "nope")
    assert error.value.status == 404


def test_create_many_is_all_or_nothing():
    with pytest.raises(FhirError):
        store.create_resources([patient(), {"resourceType": "Patient", "birthDate": "bad"}])
    assert store.search("Patient", []).resources == []
