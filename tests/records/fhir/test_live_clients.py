"""Real FHIR clients, unmodified, against a live server: fhirpy and fhirclient."""
import pytest
from fhirclient import client as fhirclient_client
from fhirclient.models.observation import Observation as FcObservation
from fhirclient.models.patient import Patient as FcPatient
from fhirpy import SyncFHIRClient

from tests.records.fhir.conftest import observation

pytestmark = pytest.mark.live


def test_fhirpy_create_read_and_page_through_search(live_server, cast):
    fhir = SyncFHIRClient(f"{live_server.url}/fhir", authorization=cast.doc_a["Authorization"])
    created = []
    for value in range(5):
        resource = fhir.resource("Observation", **observation(cast.p1, value=value))
        resource.save()
        created.append(resource.id)
    read = fhir.reference("Observation", created[0]).to_resource()
    assert read["valueQuantity"]["value"] == 0 and read["meta"]["versionId"] == "1"
    found = fhir.resources("Observation").search(code="8867-4").limit(2).fetch_all()
    assert sorted(r.id for r in found) == sorted(created)
    assert fhir.resources("Observation").search(code="8867-4").count() == 5


def test_fhirpy_patch_and_conditional_update(live_server, cast):
    fhir = SyncFHIRClient(f"{live_server.url}/fhir", authorization=cast.doc_a["Authorization"])
    resource = fhir.resource("Observation", **observation(cast.p1, value=70))
    resource.save()
    resource.patch(status="amended")  # fhirpy sends the fields as a JSON merge patch
    assert fhir.reference("Observation", resource.id).to_resource()["status"] == "amended"
    fhir.patch("Observation", resource.id, note=[{"text": "after exercise"}])
    stored = fhir.reference("Observation", resource.id).to_resource()
    assert stored["note"][0]["text"] == "after exercise" and stored["meta"]["versionId"] == "3"
    lab = {**observation(cast.p1, value=5), "identifier": [{"system": "urn:lab", "value": "42"}]}
    matching = fhir.resources("Observation").search(identifier="urn:lab|42")
    first, created = matching.update(fhir.resource("Observation", **lab))  # PUT Observation?identifier=...
    again, created_again = matching.update(fhir.resource("Observation", **{**lab, "status": "corrected"}))
    assert (created, created_again) == (True, False) and again.id == first.id and matching.count() == 1
    assert matching.patch(status="amended").status == "amended"  # PATCH Observation?identifier=...
    matching.delete()  # DELETE Observation?identifier=...
    assert matching.count() == 0


def test_fhirpy_errors_surface_as_exceptions(live_server, cast):
    from fhirpy.base.exceptions import ResourceNotFound

    fhir = SyncFHIRClient(f"{live_server.url}/fhir", authorization=cast.doc_a["Authorization"])
    with pytest.raises(ResourceNotFound):
        fhir.reference("Observation", "missing").to_resource()


def test_fhirclient_read_and_search(live_server, cast, app):
    from tests.records.fhir.conftest import system_write

    system_write(app, *[observation(cast.p1, value=v) for v in range(3)])
    smart = fhirclient_client.FHIRClient(settings={"app_id": "cloud-hospital-tests",
                                                   "api_base": f"{live_server.url}/fhir/"})
    smart.server.session.headers["Authorization"] = cast.doc_a["Authorization"]
    patient = FcPatient.read(cast.p1, smart.server)
    assert patient.name[0].family == "张" and patient.gender in ("male", "female")
    search = FcObservation.where(struct={"subject": f"Patient/{cast.p1}", "_count": "2"})
    results = list(search.perform_resources_iter(smart.server))
    assert len(results) == 3 and all(o.subject.reference == f"Patient/{cast.p1}" for o in results)
