"""Batch and transaction Bundles whose plain creates are written as one group (records.fhir.plain_writes,
records.api.create_many): atomic, validated, audited, and stored exactly as the per-entry path stores them."""
from sqlalchemy import event, func, select

from core.extensions import db
from core.models import AuditEntry
from records.models import INDEX_MODELS, CompartmentMember, Resource, ResourceVersion
from tests.records.fhir.conftest import auth, observation, system_write
from tests.records.fhir.test_bundles import post, transaction as bundle

TABLES = [*(INDEX_MODELS[k].__table__ for k in ("string", "token", "reference", "date", "quantity")),
          CompartmentMember.__table__]


def patient(n):
    return {"resourceType": "Patient", "name": [{"family": f"Family{n}", "given": ["Given"]}], "gender": "female",
            "identifier": [{"system": "urn:test:bundle", "value": str(n)}]}


def patients_with_observations(count):
    """`count` new Patients, each with one Observation referencing it by urn:uuid (as bench/http_bench.py)."""
    entries = []
    for n in range(count):
        urn = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
        entries += [post(patient(n), urn), post(observation("x", value=n, subject={"reference": urn}))]
    return entries


def counts(app):
    """Rows of every table a create writes, and the audit entries of creates."""
    with app.app_context():
        found = {t.name: db.session.scalar(select(func.count()).select_from(t))
                 for t in (Resource.__table__, ResourceVersion.__table__, *TABLES)}
        found["create audits"] = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "create", AuditEntry.outcome == "success"))
        return found


def index_rows(app, resource_type, resource_id):
    """The search-index and compartment rows of a stored resource, without their keys."""
    with app.app_context():
        pk = db.session.scalar(select(Resource.pk).where(Resource.resource_type == resource_type,
                                                         Resource.id == resource_id))
        rows = set()
        for table in TABLES:
            for row in db.session.execute(select(table).where(table.c.resource_pk == pk)).mappings():
                rows.add((table.name, *sorted((k, str(v)) for k, v in row.items() if k not in ("pk", "resource_pk"))))
        return rows


def test_transaction_with_a_bad_entry_in_the_middle_stores_nothing(app, client, cast):
    entries = patients_with_observations(30)
    entries[31]["resource"]["status"] = "not-a-status"  # the 16th Observation breaks a required binding
    before = counts(app)
    r = client.post("/fhir", json=bundle(*entries), headers=auth(cast.admin))
    assert r.status_code == 400 and r.get_json()["resourceType"] == "OperationOutcome"
    assert r.get_json()["issue"][0]["diagnostics"].startswith("Bundle.entry[31]: ")
    assert counts(app) == before
    with app.app_context():  # the attempt is on record, though nothing was written
        failed = db.session.scalars(select(AuditEntry).where(AuditEntry.outcome == "failed")).all()
    assert {e.action for e in failed} >= {"create", "transaction"}


def test_transaction_with_a_forbidden_entry_stores_nothing(app, client, cast):
    entries = [post(observation(cast.p1, value=n)) for n in range(10)]
    entries.insert(5, post(observation(cast.p2)))  # doctor A does not care for patient 2
    before = counts(app)
    r = client.post("/fhir", json=bundle(*entries), headers=auth(cast.doc_a))
    assert r.status_code == 403 and r.get_json()["issue"][0]["diagnostics"].startswith("Bundle.entry[5]: ")
    assert counts(app) == before
    with app.app_context():
        denied = db.session.scalars(select(AuditEntry).where(AuditEntry.outcome == "denied")).all()
    assert [e.action for e in denied] == ["create"]


def test_transaction_resolves_urn_uuids_within_the_group(app, client, cast):
    r = client.post("/fhir", json=bundle(*patients_with_observations(20)), headers=auth(cast.admin))
    assert r.status_code == 200, r.get_json()
    entries = r.get_json()["entry"]
    assert [e["response"]["status"] for e in entries] == ["201 Created"] * 40
    assert all(e["response"]["etag"] == 'W/"1"' and e["response"]["location"].endswith("/_history/1")
               for e in entries)
    for patient_entry, obs_entry in zip(entries[::2], entries[1::2]):
        patient_id = patient_entry["resource"]["id"]
        assert obs_entry["resource"]["subject"] == {"reference": f"Patient/{patient_id}"}
        # The search index and the compartment know the resolved reference.
        found = client.get(f"/fhir/Observation?subject=Patient/{patient_id}", headers=cast.admin).get_json()
        assert [e["resource"]["id"] for e in found["entry"]] == [obs_entry["resource"]["id"]]
        everything = client.get(f"/fhir/Patient/{patient_id}/$everything", headers=cast.admin).get_json()
        assert everything["total"] == 2


def test_group_writes_store_what_single_creates_store(app, client, cast):
    single = client.post("/fhir/Observation", json=observation(cast.p1, value=7), headers=auth(cast.doc_a)).get_json()
    r = client.post("/fhir", json=bundle(post(observation(cast.p1, value=7)), post(observation(cast.p1, value=8))),
                    headers=auth(cast.doc_a))
    grouped = r.get_json()["entry"][0]["resource"]
    assert index_rows(app, "Observation", grouped["id"]) == index_rows(app, "Observation", single["id"])
    assert index_rows(app, "Observation", grouped["id"])  # not two empty sets
    history = client.get(f"/fhir/Observation/{grouped['id']}/_history", headers=cast.doc_a).get_json()
    assert [(e["request"]["method"], e["response"]["etag"]) for e in history["entry"]] == [("POST", 'W/"1"')]
    stored = client.get(f"/fhir/Observation/{grouped['id']}", headers=cast.doc_a).get_json()
    assert stored == grouped


def test_every_created_resource_is_audited_with_its_patient(app, client, cast):
    r = client.post("/fhir", json=bundle(*[post(observation(cast.p1, value=n)) for n in range(12)]),
                    headers=auth(cast.doc_a))
    ids = {e["resource"]["id"] for e in r.get_json()["entry"]}
    with app.app_context():
        transaction = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "transaction")).one()
        audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "create",
                                                             AuditEntry.request_id == transaction.request_id)).all()
    assert transaction.outcome == "success" and transaction.request_id
    assert sorted(a.entity for a in audits) == sorted(f"Observation/{i}" for i in ids)
    assert {(a.outcome, a.patient_ref, a.role) for a in audits} == {("success", f"Patient/{cast.p1}", "doctor")}


def test_conditional_put_and_delete_entries_mix_with_the_group(app, client, cast):
    ident = {"identifier": [{"system": "urn:lab", "value": "kept"}]}
    kept = client.post("/fhir/Observation", json=observation(cast.p1, **ident), headers=auth(cast.doc_a)).get_json()
    doomed = client.post("/fhir/Observation", json=observation(cast.p1), headers=auth(cast.doc_a)).get_json()
    urn = "urn:uuid:11111111-2222-4333-8444-555555555555"
    r = client.post("/fhir", json=bundle(
        post(observation(cast.p1, value=1)),
        post(observation(cast.p1, **ident), ifNoneExist="identifier=urn:lab|kept"),  # matches: not written
        post(observation(cast.p1, identifier=[{"system": "urn:lab", "value": "new"}]), urn,
             ifNoneExist="identifier=urn:lab|new"),  # no match: created with the group
        {"resource": {**observation(cast.p1, hasMember=[{"reference": urn}]), "id": "put-1"},
         "request": {"method": "PUT", "url": "Observation/put-1"}},
        {"request": {"method": "DELETE", "url": f"Observation/{doomed['id']}"}},
        {"request": {"method": "GET", "url": "Observation?code=8867-4"}},
    ), headers=auth(cast.doc_a))
    assert r.status_code == 200, r.get_json()
    entries = r.get_json()["entry"]
    assert [e["response"]["status"] for e in entries] == ["201 Created", "200 OK", "201 Created", "201 Created",
                                                          "204 No Content", "200 OK"]
    assert entries[1]["resource"]["id"] == kept["id"]
    assert entries[3]["resource"]["hasMember"] == [{"reference": f"Observation/{entries[2]['resource']['id']}"}]
    assert entries[5]["resource"]["total"] == 4  # kept, two created, put-1; not the deleted one


def test_post_whose_body_is_another_type_is_refused(app, client, cast):
    entry = post(observation(cast.p1))
    entry["request"]["url"] = "Condition"
    before = counts(app)
    r = client.post("/fhir", json=bundle(post(observation(cast.p1)), entry), headers=auth(cast.doc_a))
    assert r.status_code == 400 and r.get_json()["issue"][0]["diagnostics"].startswith("Bundle.entry[1]: ")
    assert counts(app) == before
    r = client.post("/fhir", json=bundle(post(observation(cast.p1)), entry, kind="batch"), headers=auth(cast.doc_a))
    assert [e["response"]["status"] for e in r.get_json()["entry"]] == ["201 Created", "400"]


def test_batch_group_answers_each_entry(app, client, cast):
    invalid = observation(cast.p1)
    del invalid["status"]
    with_client_id = {**observation(cast.p1, value=3), "id": "chosen-by-client"}
    r = client.post("/fhir", json=bundle(
        post(observation(cast.p1, value=1)), post(invalid), post(observation(cast.p2)), post(with_client_id),
        {"request": {"method": "GET", "url": "Observation/missing"}}, kind="batch"), headers=auth(cast.doc_a))
    assert r.status_code == 200
    entries = r.get_json()["entry"]
    assert [e["response"]["status"] for e in entries] == ["201 Created", "400", "403", "201 Created", "404"]
    assert "status" in entries[1]["response"]["outcome"]["issue"][0]["diagnostics"]
    assert entries[3]["resource"]["id"] != "chosen-by-client"  # a POST's id is the server's choice
    found = client.get("/fhir/Observation", headers=cast.admin).get_json()
    assert sorted(e["resource"]["id"] for e in found["entry"]) == sorted([entries[0]["resource"]["id"],
                                                                          entries[3]["resource"]["id"]])
    with app.app_context():
        batch_failures = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "batch",
                                                                     AuditEntry.outcome != "success")).all()
    assert sorted(e.outcome for e in batch_failures) == ["denied", "failed", "failed"]


def test_batch_of_only_bad_creates_stores_nothing_and_answers_each(app, client, cast):
    before = counts(app)
    r = client.post("/fhir", json=bundle(post(observation(cast.p2)), post(observation(cast.p2)), kind="batch"),
                    headers=auth(cast.doc_a))
    assert [e["response"]["status"] for e in r.get_json()["entry"]] == ["403", "403"]
    assert counts(app) == before


def selects_of(app, send):
    """How many SELECT statements `send()` makes SQLAlchemy execute, the bearer token's aside (core.token_cache
    keeps it for a while, so whether it is read depends on the time, not on the request)."""
    with app.app_context():
        engine = db.engine
    seen = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement.lstrip().upper().startswith("SELECT") and "access_tokens" not in statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = send()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_json()
    return sum(seen)


def test_a_doctors_bundle_reads_the_same_for_2_or_20_entries(app, client, cast):
    def send(count):
        entries = [post(observation(cast.p1, value=n)) for n in range(count)]
        return lambda: client.post("/fhir", json=bundle(*entries), headers=auth(cast.doc_a))

    selects_of(app, send(2))  # warm: the first request of a session loads caches
    # The care relationship with the patient is looked up once per Bundle, taken ids checked in one SELECT.
    assert selects_of(app, send(20)) == selects_of(app, send(2))


def put(resource):
    return {"resource": resource, "request": {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"}}


def test_transaction_puts_update_and_create_as_a_group(app, client, cast):
    old = system_write(app, {**observation(cast.p1, value=1), "id": "kept-1"},
                       {**observation(cast.p1, value=2), "id": "gone-1"})
    client.delete("/fhir/Observation/gone-1", headers=cast.admin)
    r = client.post("/fhir", json=bundle(
        put({**observation(cast.p1, value=10), "id": "kept-1"}),
        put({**observation(cast.p1, value=20), "id": "gone-1"}),
        put({**observation(cast.p1, value=30), "id": "new-1"}),
        post(observation(cast.p1, value=40))), headers=auth(cast.doc_a))
    assert r.status_code == 200, r.get_json()
    entries = r.get_json()["entry"]
    assert [(e["response"]["status"], e["response"]["etag"]) for e in entries] == [
        ("200 OK", 'W/"2"'), ("201 Created", 'W/"3"'), ("201 Created", 'W/"1"'), ("201 Created", 'W/"1"')]
    assert client.get("/fhir/Observation/kept-1", headers=cast.doc_a).get_json()["valueQuantity"]["value"] == 10
    history = client.get("/fhir/Observation/kept-1/_history", headers=cast.doc_a).get_json()
    assert [e["resource"]["valueQuantity"]["value"] for e in history["entry"]] == [10, 1]
    assert old[0]["meta"]["versionId"] == "1"
    # The index follows the new content: the old rows went, the new ones came.
    for value, found in (("10", ["kept-1"]), ("1", [])):
        bundle_found = client.get(f"/fhir/Observation?value-quantity={value}", headers=cast.doc_a).get_json()
        assert [e["resource"]["id"] for e in bundle_found.get("entry", [])] == found
    with app.app_context():
        request_id = db.session.scalars(select(AuditEntry.request_id).where(AuditEntry.action == "transaction")).one()
        audits = db.session.execute(select(AuditEntry.action, AuditEntry.entity, AuditEntry.patient_ref).where(
            AuditEntry.request_id == request_id, AuditEntry.entity.like("Observation/%-1"))).all()
    assert sorted(audits) == [("create", "Observation/gone-1", f"Patient/{cast.p1}"),
                              ("create", "Observation/new-1", f"Patient/{cast.p1}"),
                              ("update", "Observation/kept-1", f"Patient/{cast.p1}")]


def test_transaction_put_over_another_patients_record_stores_nothing(app, client, cast):
    system_write(app, {**observation(cast.p2), "id": "theirs"})
    before = counts(app)
    r = client.post("/fhir", json=bundle(
        put({**observation(cast.p1, value=1), "id": "mine-1"}),
        put({**observation(cast.p1, value=2), "id": "theirs"}),  # moving patient 2's record to patient 1
        put({**observation(cast.p1, value=3), "id": "mine-2"})), headers=auth(cast.doc_a))
    assert r.status_code == 403 and r.get_json()["issue"][0]["diagnostics"].startswith("Bundle.entry[1]: ")
    assert counts(app) == before
    assert client.get("/fhir/Observation/theirs", headers=cast.admin).get_json()["subject"] == {
        "reference": f"Patient/{cast.p2}"}


def test_transaction_with_an_invalid_put_stores_nothing(app, client, cast):
    bad = {**observation(cast.p1), "id": "bad-1", "status": "nonsense"}
    before = counts(app)
    r = client.post("/fhir", json=bundle(post(observation(cast.p1)), put({**observation(cast.p1), "id": "ok-1"}),
                                         put(bad)), headers=auth(cast.doc_a))
    assert r.status_code == 400 and r.get_json()["issue"][0]["diagnostics"].startswith("Bundle.entry[2]: ")
    assert counts(app) == before


def test_a_provenance_of_a_record_created_earlier_in_the_bundle_is_in_its_patients_compartment(app, client, cast):
    urn = "urn:uuid:99999999-2222-4333-8444-555555555555"
    provenance = {"resourceType": "Provenance", "target": [{"reference": urn}], "recorded": "2026-01-01T08:00:00Z",
                  "agent": [{"who": {"reference": "Practitioner/pract-a"}}]}
    r = client.post("/fhir", json=bundle(post(observation(cast.p1), urn), post(provenance)), headers=auth(cast.doc_a))
    assert r.status_code == 200, r.get_json()
    with app.app_context():
        audit = db.session.scalars(select(AuditEntry).where(AuditEntry.entity.like("Provenance/%"))).one()
    assert audit.patient_ref == f"Patient/{cast.p1}"
