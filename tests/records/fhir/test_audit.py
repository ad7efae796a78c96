"""The audit rule: every read, search and write leaves an entry; AuditEvent shows them to admins only."""
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from tests.records.fhir.conftest import auth, observation


def entries(app):
    with app.app_context():
        return db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()


def count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_every_interaction_leaves_an_entry(app, client, cast):
    before = count(app)
    oid = client.post("/fhir/Observation", json=observation(cast.p1), headers=auth(cast.doc_a)).get_json()["id"]
    client.get(f"/fhir/Observation/{oid}", headers=cast.doc_a)
    client.get("/fhir/Observation?code=8867-4", headers=cast.doc_a)
    client.get(f"/fhir/Observation/{oid}/_history", headers=cast.doc_a)
    client.delete(f"/fhir/Observation/{oid}", headers=cast.doc_a)
    actions = [(e.action, e.outcome) for e in entries(app)][before:]
    assert actions == [("create", "success"), ("read", "success"), ("search", "success"),
                       ("history", "success"), ("delete", "success")]
    created = entries(app)[before]
    assert created.entity == f"Observation/{oid}" and created.patient_ref == f"Patient/{cast.p1}"


def test_denied_access_is_kept_although_the_request_fails(app, client, cast):
    oid = client.post("/fhir/Observation", json=observation(cast.p2), headers=auth(cast.doc_b)).get_json()["id"]
    assert client.get(f"/fhir/Observation/{oid}", headers=cast.doc_a).status_code == 403
    last = entries(app)[-1]
    assert (last.action, last.outcome, last.entity) == ("read", "denied", f"Observation/{oid}")


def test_auditevent_is_for_admins_only(client, cast):
    assert client.get("/fhir/AuditEvent", headers=cast.doc_a).status_code == 403
    assert client.get("/fhir/AuditEvent", headers=cast.p1_headers).status_code == 403
    assert client.get("/fhir/AuditEvent", headers=cast.admin).status_code == 200


def test_auditevent_search_by_entity_agent_type_and_date(app, client, cast):
    oid = client.post("/fhir/Observation", json=observation(cast.p1), headers=auth(cast.doc_a)).get_json()["id"]
    client.get(f"/fhir/Observation/{oid}", headers=cast.doc_a)
    by_entity = client.get(f"/fhir/AuditEvent?entity=Observation/{oid}", headers=cast.admin).get_json()
    assert {e["resource"]["subtype"][0]["code"] for e in by_entity["entry"]} == {"create", "read"}
    reads = client.get(f"/fhir/AuditEvent?entity=Observation/{oid}&type=read", headers=cast.admin).get_json()
    assert reads["total"] == 1
    event = reads["entry"][0]["resource"]
    assert event["action"] == "R" and event["outcome"] == "0"
    agent = event["agent"][0]["who"]["identifier"]["value"]
    assert client.get(f"/fhir/AuditEvent?agent={agent}&entity=Observation/{oid}",
                      headers=cast.admin).get_json()["total"] == 2
    today = event["recorded"][:10]
    assert client.get(f"/fhir/AuditEvent?date={today}&entity=Observation/{oid}",
                      headers=cast.admin).get_json()["total"] == 2
    assert client.get(f"/fhir/AuditEvent?date=lt2000-01-01", headers=cast.admin).get_json()["total"] == 0
    read_back = client.get(f"/fhir/AuditEvent/{event['id']}", headers=cast.admin)
    assert read_back.status_code == 200 and read_back.get_json()["id"] == event["id"]


def test_auditevent_is_read_only(client, cast):
    event = {"resourceType": "AuditEvent", "type": {"code": "rest"}, "recorded": "2024-01-01T00:00:00Z",
             "agent": [{"requestor": True}], "source": {"observer": {"display": "x"}}}
    assert client.post("/fhir/AuditEvent", json=event, headers=auth(cast.admin)).status_code == 405
