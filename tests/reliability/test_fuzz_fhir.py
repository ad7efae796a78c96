"""FHIR fuzz: hostile requests to /fhir as a doctor (in a care relationship) and as an admin must be
refused with a 4xx OperationOutcome (issue[].severity/code) and store nothing: the resource, version,
search-index and compartment rows are counted before and after every case.

Three sources of cases: the hand-written table in tests/reliability/fhir_cases.py; every search
parameter of every supported type with SQL metacharacters (which must match nothing, since no stored
value holds them); and hypothesis (fixed seed, bounded examples) for bodies, transactions, searches
and ids. Each test prints how many cases it ran."""
import json
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from core.extensions import db
from records.fhir import capability
from records.models import INDEX_MODELS, CompartmentMember, Resource, ResourceVersion
from records.search.definitions import params_for
from tests.reliability.fhir_cases import (BROKEN_BATCH_ENTRIES, BROKEN_PATIENT, PATIENT, SQL_METACHARACTERS,
                                          nasty_cases)
from tests.reliability.fuzz_world import build_world

pytestmark = pytest.mark.slow
ROLES = ("doctor", "admin")
FHIR_JSON = "application/fhir+json"
TABLES = [Resource, ResourceVersion, CompartmentMember, *{model for model in INDEX_MODELS.values()}]
SEVERITIES = {"fatal", "error", "warning", "information"}
FUZZ = settings(max_examples=40, derandomize=True, database=None, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=15)
nasty_text = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(SQL_METACHARACTERS + ["\x00"])


class Fuzzer:
    """Sends cases as one role and checks each answer; counts what it sent."""

    def __init__(self, app, client, role, headers, patient_id):
        self.app, self.client, self.role, self.headers, self.patient_id = app, client, role, headers, patient_id
        self.cases = 0

    def stored(self):
        with self.app.app_context():
            return db.session.execute(select(*[select(func.count()).select_from(m).scalar_subquery()
                                               for m in TABLES])).one()

    def send(self, method, path, body=None, headers=None):
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        self.cases += 1
        return self.client.open(path, method=method, data=body,
                                headers={"Content-Type": FHIR_JSON, **self.headers, **(headers or {})})

    def refused(self, method, path, body=None, headers=None, label=""):
        """Send; the answer must be a 4xx OperationOutcome and nothing may have been stored."""
        before = self.stored()
        response = self.send(method, path, body, headers)
        assert 400 <= response.status_code < 500, (label, response.status_code, response.get_data(as_text=True)[:500])
        assert_outcome(response.get_json(silent=True), label)
        assert response.mimetype == FHIR_JSON, (label, response.mimetype)
        assert self.stored() == before, (label, "stored something")
        return response

    def tolerated(self, method, path, body=None, headers=None, check_stored=True):
        """Send; a 2xx Bundle or a 4xx OperationOutcome, never a 5xx, and nothing stored."""
        before = self.stored() if check_stored else None
        response = self.send(method, path, body, headers)
        assert response.status_code < 500, (path, response.get_data(as_text=True)[:500])
        if response.status_code >= 400:
            assert_outcome(response.get_json(silent=True), path)
        else:
            assert response.get_json()["resourceType"] in ("Bundle", "OperationOutcome"), path
        assert not check_stored or self.stored() == before, (path, "stored something")
        return response


def assert_outcome(body, label):
    assert isinstance(body, dict) and body.get("resourceType") == "OperationOutcome", (label, body)
    assert body["issue"] and all(i.get("severity") in SEVERITIES and isinstance(i.get("code"), str)
                                 for i in body["issue"]), (label, body)


@pytest.fixture(params=ROLES)
def fuzzer(request, app, client):
    world = build_world(app, client, journey=False)
    fuzzer = Fuzzer(app, client, request.param, world.headers[request.param], world.patient_id)
    # The doctor may write to this patient's record (care relationship), so writes reach validation.
    assert fuzzer.send("GET", f"/fhir/Patient/{world.patient_id}").status_code == 200
    yield fuzzer
    print(f"FHIR fuzz as {request.param}, {request.node.originalname}: {fuzzer.cases} cases")


def test_hand_written_nasty_requests_are_refused(fuzzer):
    for label, method, path, body, headers in nasty_cases(fuzzer.patient_id):
        fuzzer.refused(method, path, body, headers, label)
    assert fuzzer.cases >= 100


def test_a_batch_of_broken_entries_answers_each_with_an_outcome_and_stores_nothing(fuzzer):
    before = fuzzer.stored()
    body = {"resourceType": "Bundle", "type": "batch", "entry": BROKEN_BATCH_ENTRIES}
    response = fuzzer.send("POST", "/fhir", body)
    assert response.status_code == 200, response.get_json()
    entries = response.get_json()["entry"]
    assert len(entries) == len(BROKEN_BATCH_ENTRIES)
    for entry in entries:
        assert entry["response"]["status"][:1] == "4", entry
        assert_outcome(entry["response"]["outcome"], entry)
    assert fuzzer.stored() == before


def test_sql_metacharacters_in_every_search_parameter_match_nothing(fuzzer):
    """Every parameter the CapabilityStatement promises, with every metacharacter OR-ed in one value
    (and, as admin, with each modifier; the doctor's searches add the patient scope to the same SQL)."""
    values = ",".join(v.replace("\\", "\\\\").replace(",", "\\,") for v in SQL_METACHARACTERS)
    before = fuzzer.stored()
    for resource in capability.capability_statement("")["rest"][0]["resource"]:
        for param in resource["searchParam"]:
            name = param["name"]
            modifiers = {"string": ["", ":exact", ":contains"], "token": ["", ":text"]}.get(param["type"], [""])
            if fuzzer.role != "admin" or resource["type"] == "AuditEvent":  # that one takes no modifiers
                modifiers = [""]
            for modifier in modifiers:
                query = urlencode({name + modifier: values})
                response = fuzzer.tolerated("GET", f"/fhir/{resource['type']}?{query}", check_stored=False)
                if response.status_code == 200:
                    assert not response.get_json().get("entry"), (resource["type"], name + modifier)
        name = resource["searchParam"][0]["name"]
        response = fuzzer.tolerated("GET", f"/fhir/{resource['type']}?{quote(name)}=a%00b", check_stored=False)
        assert response.status_code == 400, (resource["type"], name, "NUL")
    assert fuzzer.stored() == before
    assert fuzzer.cases >= 450


@FUZZ
@given(resource_type=st.sampled_from(["Patient", "Observation", "Condition", "Encounter", "MedicationRequest"]),
       field=st.sampled_from(["id", "meta", "text", "status", "subject", "code", "name", "birthDate", "extension",
                              "identifier", "valueQuantity", "effectiveDateTime", "contained"]),
       junk=json_values, method=st.sampled_from(["POST", "PUT"]))
def test_generated_bodies_with_junk_are_refused(fuzzer, resource_type, field, junk, method):
    # The unknown element guarantees a refusal; the junk in a known one exercises its validator first.
    body = {"resourceType": resource_type, field: junk, "fuzzUnknownElement": junk}
    path = f"/fhir/{resource_type}" + (f"/{fuzzer.patient_id}" if method == "PUT" else "")
    fuzzer.refused(method, path, body, label=body)


@FUZZ
@given(junk=st.lists(st.tuples(st.sampled_from(["name", "birthDate", "gender", "telecom", "address", "active"]),
                               json_values), min_size=1, max_size=4),
       broken=st.sampled_from([BROKEN_PATIENT, {"resourceType": "Spaceship"}, {**PATIENT, "fuzz": 1}]))
def test_a_transaction_with_one_broken_entry_stores_nothing(fuzzer, junk, broken):
    # Entries that may well be valid come first, so they are written before the broken one fails.
    entries = [{"resource": {**PATIENT, field: value}, "request": {"method": "POST", "url": "Patient"}}
               for field, value in junk]
    entries.append({"resource": broken, "request": {"method": "POST", "url": "Patient"}})
    fuzzer.refused("POST", "/fhir", {"resourceType": "Bundle", "type": "transaction", "entry": entries})


@settings(FUZZ, max_examples=120)
@given(resource_type=st.sampled_from(sorted(capability.supported_types())), data=st.data(),
       prefix=st.sampled_from(["", "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap", "xx"]), value=nasty_text,
       modifier=st.sampled_from(["", ":missing", ":exact", ":contains", ":text", ":not", ":Patient", ":bogus"]),
       strict=st.booleans())
def test_generated_searches_never_fail_on_the_server(fuzzer, resource_type, data, prefix, value, modifier, strict):
    names = sorted(params_for(resource_type)) + ["_count", "_sort", "_include", "_revinclude", "_cursor",
                                                 "_summary", "_total", "_elements", "shoe-size"]
    name = data.draw(st.sampled_from(names))
    headers = {"Prefer": "handling=strict"} if strict else {}
    fuzzer.tolerated("GET", f"/fhir/{resource_type}?" + urlencode({name + modifier: prefix + value}), headers=headers)


@FUZZ
@given(resource_id=st.text(st.characters(codec="utf-8"), min_size=1, max_size=80), method=st.sampled_from(
    ["GET", "DELETE"]), suffix=st.sampled_from(["", "/_history", "/_history/1", "/$everything"]))
def test_generated_ids_are_refused_or_not_found(fuzzer, resource_id, method, suffix):
    path = f"/fhir/Patient/{quote(resource_id, safe='')}{suffix}"
    if method == "DELETE" and suffix:
        fuzzer.refused(method, path, label=resource_id)  # only the plain instance URL takes a DELETE
    elif method == "DELETE" or resource_id != fuzzer.patient_id:
        fuzzer.refused(method, path, label=resource_id)
