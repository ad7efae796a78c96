"""The FHIR authorisation matrix: every interaction of the FHIR router, for each role, on patient A's
resources of the main types; every supported type searched by every role; batch and transaction
Bundles that reach for A's records. Same rules as the app-API matrix: anonymous 401, strangers 403/404
(or a search answer without A in it), no data of a patient the caller has no business with, and every
successful read audited with the request's id."""
import json

import pytest

from records.fhir import capability, router
from tests.reliability.authz.checks import DENIED, assert_audited, assert_no_stranger_data
from tests.reliability.authz.world import ROLES

# label -> (resource type, world id key)
TARGETS = {t: (t, f"fhir_{t}") for t in ("Encounter", "Condition", "Observation", "MedicationRequest",
                                         "MedicationDispense", "Appointment", "Communication", "DocumentReference",
                                         "Consent")}
TARGETS.update({"Patient": ("Patient", "patient_id"), "AuditEvent": ("AuditEvent", "audit_id"),
                "SelfObservation": ("Observation", "fhir_SelfObservation")})
# n1 is the nurse of A's scheduled home visit: the Patient, conditions, medicines and observations, read-only.
READERS = {"Patient": "pa d1 p1 n1 admin", "MedicationRequest": "pa d1 p1 n1 admin", "AuditEvent": "admin",
           **{label: "pa d1 n1 admin" for label in ("Condition", "Observation", "SelfObservation")}}
# Views the clinic and pharmacy derive from their tables (records.derived): nobody writes them over FHIR.
DERIVED = ("MedicationRequest", "MedicationDispense", "Appointment", "Communication", "Consent")
WRITERS = {"Patient": "admin", "AuditEvent": "", "SelfObservation": "pa d1 admin", **{label: "" for label in DERIVED}}
DEFAULT_READERS, DEFAULT_WRITERS = "pa d1 admin", "d1 admin"
# A copy of a view without its id is an outside record unless its content marks it as ours (records.derived):
# an Appointment view is ours by its id alone, the others carry our identifier system or category.
CREATORS = {"Appointment": DEFAULT_WRITERS}
SEARCH_BY = {"Patient": "_id={id}", "AuditEvent": "patient=Patient/{id}"}

# Every router interaction, as "METHOD handler", and the URL it is called with.
INTERACTIONS = {
    "GET read": "{type}/{id}", "GET vread": "{type}/{id}/_history/1", "GET instance_history": "{type}/{id}/_history",
    "GET search": "{type}?{search}", "POST search": "{type}/_search", "GET type_history": "{type}/_history",
    "GET system_history": "_history", "GET everything": "Patient/{patient}/$everything",
    "POST everything": "Patient/{patient}/$everything", "POST create": "{type}", "PUT update": "{type}/{id}",
    "DELETE delete": "{type}/{id}", "POST validate": "{type}/$validate", "PATCH patch": "{type}/{id}",
    "PUT conditional_update": "{type}?_id={id}", "DELETE conditional_delete": "{type}?_id={id}",
    "PATCH conditional_patch": "{type}?_id={id}",
}
WRITES = ("POST create", "PUT update", "DELETE delete", "PATCH patch", "PUT conditional_update",
          "DELETE conditional_delete", "PATCH conditional_patch")
# AuditEvent is derived from the audit trail: no versions, no history, no writes, for anyone.
NOT_SERVED = {**{(i, "AuditEvent"): 404 for i in ("GET vread", "GET instance_history", "GET type_history")},
              **{(i, "AuditEvent"): 405 for i in WRITES}}
READS = ("GET read", "GET vread", "GET instance_history", "GET search", "POST search")
ADMIN_ONLY = ("GET type_history", "GET system_history")


def test_every_router_interaction_is_in_the_matrix():
    assert {f"{method} {handler.__name__}" for method, _, handler in router.ROUTES} == set(INTERACTIONS)


def _allowed(interaction, label, role):
    if interaction in ADMIN_ONLY:
        return role == "admin"
    if interaction == "POST validate":  # checks the content sent, reads and stores nothing
        return True
    if interaction in ("GET everything", "POST everything"):
        return role in DEFAULT_READERS.split()
    if interaction == "POST create" and label in CREATORS:
        return role in CREATORS[label].split()
    if interaction in WRITES:
        return role in WRITERS.get(label, DEFAULT_WRITERS).split()
    return role in READERS.get(label, DEFAULT_READERS).split()


def _cases():
    per_target = [i for i in INTERACTIONS if i not in ("GET system_history", "GET everything", "POST everything")]
    cases = [(i, label, role) for i in per_target for label in TARGETS for role in ROLES]
    cases += [(i, "Patient", role) for i in ("GET system_history", "GET everything", "POST everything")
              for role in ROLES]
    # Reads, then refused writes, then allowed writes (deletes last): the world stays intact for the reads.
    order = {"POST create": 1, "PUT update": 1, "PATCH patch": 1, "PUT conditional_update": 1, "DELETE delete": 2,
             "PATCH conditional_patch": 1,
             "DELETE conditional_delete": 2}
    return sorted(cases, key=lambda c: 0 if c[0] not in order else order[c[0]] + (_allowed(*c) and 2))


@pytest.fixture(scope="module")
def originals(world):
    """A's resources as the administrator reads them: the bodies of the update and create cases."""
    found = {}
    for label, (resource_type, key) in TARGETS.items():
        response = world.client.get(f"/fhir/{resource_type}/{world.ids[key]}", headers=world.headers["admin"])
        assert response.status_code == 200, response.get_json()
        found[label] = response.get_json()
    return found


def _request(world, originals, interaction, label, role):
    method, _ = interaction.split(" ", 1)
    resource_type, key = TARGETS[label]
    search = SEARCH_BY.get(resource_type, "patient={id}").format(id=world.ids["patient_id"])
    url = "/fhir/" + INTERACTIONS[interaction].format(type=resource_type, id=world.ids[key], search=search,
                                                      patient=world.ids["patient_id"])
    kwargs = {"headers": world.headers[role]}
    if interaction == "POST search":
        kwargs["data"] = dict([search.split("=", 1)])
    elif interaction in ("PUT update", "POST validate", "PUT conditional_update"):
        kwargs["json"] = originals[label]
    elif interaction in ("PATCH patch", "PATCH conditional_patch"):
        kwargs["json"] = {"status": originals[label].get("status")}  # a merge patch
    elif interaction == "POST create":
        kwargs["json"] = {k: v for k, v in originals[label].items() if k not in ("id", "meta")}
    sent = url + json.dumps(kwargs.get("json") or kwargs.get("data"))
    return world.client.open(url, method=method, **kwargs), sent


@pytest.mark.parametrize("role", ROLES)
def test_every_type_is_searched_within_the_callers_scope(world, role):
    for resource_type in sorted(capability.supported_types()):
        response = world.client.get(f"/fhir/{resource_type}?_count=200", headers=world.headers[role])
        assert response.status_code in ((401,) if role == "anon" else (200, 403)), (resource_type,
                                                                                   response.get_json())
        assert_no_stranger_data(world, role, response.get_data(as_text=True))


@pytest.mark.parametrize("role", ROLES)
def test_a_prescription_signature_is_read_like_the_prescription(world, role):
    """The signature Provenance names no patient: it is A's through the MedicationRequests it targets."""
    response = world.client.get(f"/fhir/Provenance/{world.ids['fhir_Provenance']}", headers=world.headers[role])
    expected = {"anon": {401}, "pa": {200}, "d1": {200}, "admin": {200}}.get(role, DENIED - {401})
    assert response.status_code in expected, (role, response.get_json())


@pytest.mark.parametrize("role", ROLES)
def test_a_batch_reaching_for_as_records_is_answered_entry_by_entry(world, role):
    entries = [{"request": {"method": "GET", "url": f"{t}/{world.ids[k]}"}} for t, k in TARGETS.values()]
    response = world.client.post("/fhir", json={"resourceType": "Bundle", "type": "batch", "entry": entries},
                                 headers=world.headers[role])
    body = response.get_data(as_text=True)
    assert_no_stranger_data(world, role, body, sent=json.dumps(entries))
    if role == "anon":
        assert response.status_code == 401
        return
    assert response.status_code == 200, body[:500]
    for label, entry in zip(TARGETS, response.get_json()["entry"]):
        status = int(entry["response"]["status"].split()[0])
        expected_ok = _allowed("GET read", label, role)
        assert (status == 200) == expected_ok, (label, entry["response"])
        assert expected_ok or "resource" not in entry or entry["resource"]["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("role", ROLES)
def test_a_transaction_writing_into_as_record_needs_care_of_a(world, role):
    observation = {"resourceType": "Observation", "status": "final", "code": {"text": "pulse"},
                   "subject": {"reference": f"Patient/{world.ids['patient_id']}"},
                   "valueQuantity": {"value": 71, "unit": "/min"}}
    bundle = {"resourceType": "Bundle", "type": "transaction",
              "entry": [{"fullUrl": "urn:uuid:obs-1", "resource": observation,
                         "request": {"method": "POST", "url": "Observation"}}]}
    response = world.client.post("/fhir", json=bundle, headers=world.headers[role])
    expected = 401 if role == "anon" else 200 if role in DEFAULT_WRITERS.split() else 403
    assert response.status_code == expected, json.dumps(response.get_json())[:500]


@pytest.mark.parametrize("interaction, label, role", _cases(), ids=[":".join(c[::-1]) for c in _cases()])
def test_fhir_matrix(app, world, originals, interaction, label, role):
    response, sent = _request(world, originals, interaction, label, role)
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:500]
    a_id = world.ids["patient_id"]
    if role == "anon":
        assert response.status_code == 401
    elif (interaction, label) in NOT_SERVED:
        assert response.status_code == NOT_SERVED[interaction, label], body[:500]
    elif _allowed(interaction, label, role):
        assert response.status_code in (200, 201, 204), (response.status_code, body[:500])
        if interaction in READS or "everything" in interaction:
            assert a_id in body, "an allowed read of A's record shows A's record"
            assert_audited(app, response)
    elif interaction in ("GET search", "POST search") and response.status_code == 200:
        assert response.get_json()["total"] == 0, f"{role} found A's {label} by searching"
        assert_audited(app, response)
    elif interaction == "DELETE conditional_delete" and response.status_code == 204:
        # Nothing the caller may see matched: nothing deleted (http://hl7.org/fhir/R4/http.html#3.1.0.7.1).
        resource_type, key = TARGETS[label]
        kept = world.client.get(f"/fhir/{resource_type}/{world.ids[key]}", headers=world.headers["admin"])
        assert kept.status_code == 200, f"{role} deleted A's {label} by criteria"
    else:
        assert response.status_code in DENIED, (response.status_code, body[:500])
        if label in DERIVED and role in ("d1", "admin") and interaction in WRITES:
            assert response.status_code == 403 and "app API" in response.get_json()["issue"][0]["diagnostics"]
    if role == "p1" and label == "Patient" and response.status_code == 200:
        assert world.markers["pa"][2] not in body, "a pharmacist sees the minimum of a Patient, not the id number"
    assert_no_stranger_data(world, role, body, sent)


# Searches that reach for A's data sideways: includes from shared types, chains, identifiers.
PROBES = ("Practitioner?_revinclude=Encounter:participant", "Organization?_revinclude=Encounter:service-provider",
          "Practitioner?_revinclude=MedicationRequest:requester", "Slot?_revinclude=Appointment:slot",
          "Observation?subject.name=Quillfeather", "Encounter?_include=Encounter:subject",
          "Patient?name=Quillfeather", "Patient?identifier={id_number}", "Communication?_include=Communication:subject",
          "Condition?patient.identifier={id_number}", "Patient?_id={patient_id}&_revinclude=Observation:subject")


@pytest.mark.parametrize("probe", PROBES)
@pytest.mark.parametrize("role", ROLES)
def test_sideways_searches_find_nothing_of_a_for_strangers(world, role, probe):
    url = "/fhir/" + probe.format(id_number=world.markers["pa"][2], patient_id=world.ids["patient_id"])
    response = world.client.get(url, headers=world.headers[role])
    assert response.status_code in ((401,) if role == "anon" else (200, 400, 403)), response.get_json()
    found = [e["resource"] for e in (response.get_json() or {}).get("entry", [])
             if e["resource"]["resourceType"] != "OperationOutcome"]
    mine = [r for r in found if world.ids["patient_id"] in json.dumps(r)]
    if role not in ("pa", "d1", "p1", "n1", "admin"):  # n1: the nurse of A's home visit reads some of A's
        assert not mine, f"{role} reached A's records through {probe}"
    assert_no_stranger_data(world, role, response.get_data(as_text=True), sent=url)
