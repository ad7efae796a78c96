"""Reference search, chaining, _include/_revinclude and the patient restriction
(https://hl7.org/fhir/R4/search.html#reference, #chaining, #include)."""
import pytest

from records import store
from tests.records.store.builders import ids, observation, patient

pytestmark = pytest.mark.usefixtures("ctx")


@pytest.fixture()
def world():
    doc = store.create_resource({"resourceType": "Practitioner", "name": [{"family": "House"}]})["id"]
    li = store.create_resource(patient(family="李", generalPractitioner=[{"reference": f"Practitioner/{doc}"}]))["id"]
    smith = store.create_resource(patient(family="Smith"))["id"]
    obs_li = store.create_resource(observation(li, performer=[{"reference": f"Practitioner/{doc}"}]))["id"]
    obs_smith = store.create_resource(observation(smith))["id"]
    return {"doc": doc, "li": li, "smith": smith, "obs_li": obs_li, "obs_smith": obs_smith}


def test_reference_by_type_id_plain_id_and_absolute_url(world):
    for value in (f"Patient/{world['li']}", world["li"], f"https://other.example/fhir/Patient/{world['li']}"):
        assert ids(store.search("Observation", [("subject", value)])) == [world["obs_li"]]
    assert ids(store.search("Observation", [("patient", world["li"])])) == [world["obs_li"]]
    assert ids(store.search("Observation", [("subject:Patient", world["smith"])])) == [world["obs_smith"]]
    assert ids(store.search("Observation", [("subject", f"Group/{world['li']}")])) == []


def test_chained_search_with_and_without_target_type(world):
    assert ids(store.search("Observation", [("subject:Patient.name", "李")])) == [world["obs_li"]]
    assert ids(store.search("Observation", [("patient.family", "smi")])) == [world["obs_smith"]]
    assert ids(store.search("Observation", [("performer:Practitioner.name", "house")])) == [world["obs_li"]]


def test_include_adds_referenced_resources(world):
    result = store.search("Observation", [("_include", "Observation:subject"), ("_sort", "_id")])
    assert sorted(r["id"] for r in result.included) == sorted([world["li"], world["smith"]])
    typed = store.search("Observation", [("_include", "Observation:performer:Practitioner")])
    assert [r["id"] for r in typed.included] == [world["doc"]]
    everything = store.search("Observation", [("_id", world["obs_li"]), ("_include", "Observation:*")])
    assert sorted(r["id"] for r in everything.included) == sorted([world["li"], world["doc"]])


def test_revinclude_adds_referencing_resources(world):
    result = store.search("Patient", [("_id", world["li"]), ("_revinclude", "Observation:subject")])
    assert [r["id"] for r in result.included] == [world["obs_li"]]


def test_patient_ids_restricts_matches_totals_and_includes(world):
    result = store.search("Observation", [("_include", "Observation:subject"),
                                          ("_include", "Observation:performer")], patient_ids={world["li"]})
    assert ids(result) == [world["obs_li"]] and result.total == 1
    assert sorted(r["id"] for r in result.included) == sorted([world["li"], world["doc"]])  # directory data passes
    pats = store.search("Patient", [("_revinclude", "Observation:subject")], patient_ids={world["smith"]})
    assert ids(pats) == [world["smith"]] and [r["id"] for r in pats.included] == [world["obs_smith"]]
    smith_only = store.search("Practitioner", [("_revinclude", "Patient:general-practitioner")],
                              patient_ids={world["smith"]})
    assert smith_only.resources == []  # Practitioners are in no Patient compartment
    assert store.search("Observation", [], patient_ids=set()).resources == []


def test_revinclude_respects_patient_ids(world):
    result = store.search("Practitioner", [("_revinclude", "Observation:performer"),
                                           ("_revinclude", "Patient:general-practitioner")])
    assert sorted(r["id"] for r in result.included) == sorted([world["obs_li"], world["li"]])
    none_visible = store.search("Practitioner", [("_revinclude", "Observation:performer")], patient_ids={"other"})
    assert none_visible.resources == []


def test_bad_include_is_reported_unsupported(world):
    result = store.search("Observation", [("_include", "Observation:nonsense")])
    assert result.unsupported and result.unsupported[0][0] == "_include"
