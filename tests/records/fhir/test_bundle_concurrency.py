"""Transaction Bundles from several real clients at once against the live server (PostgreSQL): every resource
of every Bundle is stored exactly once, with its version, its compartment row and its audit entry."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from records.models import CompartmentMember, Resource, ResourceVersion
from tests.records.fhir.test_bundle_writes import bundle, patients_with_observations

pytestmark = [pytest.mark.live, pytest.mark.slow]
CLIENTS, BUNDLES_EACH, PATIENTS = 4, 3, 25


def _send_all(url, headers, bundles):
    """Each client posts its Bundles one after another, all clients starting together."""
    barrier = threading.Barrier(len(bundles))

    def client(own):
        answers = []
        with requests.Session() as session:
            session.get(f"{url}/healthz", timeout=60)
            barrier.wait(timeout=120)
            for made in own:
                r = session.post(f"{url}/fhir", json=made, timeout=300,
                                 headers={**headers, "Content-Type": "application/fhir+json"})
                answers.append((r.status_code, r.json()))
        return answers

    with ThreadPoolExecutor(max_workers=len(bundles)) as pool:
        return [answer for answers in pool.map(client, bundles) for answer in answers]


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_concurrent_transactions_lose_and_double_nothing(app, live_server, cast):
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect != "postgresql":
        # FHIR writes do not take SQLite's write lock up front (core.transaction.begin_write does, for bookings):
        # a second writer that read first fails "database is locked", on the per-entry path as on this one.
        pytest.skip("needs concurrent writers (PostgreSQL)")
    patients_before = _count(app, Resource, Resource.resource_type == "Patient")
    bundles = [[bundle(*patients_with_observations(PATIENTS)) for _ in range(BUNDLES_EACH)] for _ in range(CLIENTS)]
    answers = _send_all(live_server.url, cast.admin, bundles)
    assert [status for status, _ in answers] == [200] * CLIENTS * BUNDLES_EACH, answers[0][1]
    created = [e["resource"] for _, answer in answers for e in answer["entry"]]
    assert len(created) == len({(r["resourceType"], r["id"]) for r in created}) == CLIENTS * BUNDLES_EACH * PATIENTS * 2
    for _, answer in answers:  # each Observation points at the Patient of its own Bundle
        ids = [e["resource"]["id"] for e in answer["entry"]]
        assert [e["resource"]["subject"]["reference"] for e in answer["entry"][1::2]] == \
            [f"Patient/{i}" for i in ids[::2]]
    total = len(created)
    assert _count(app, Resource, Resource.resource_type == "Patient") - patients_before == total // 2
    ids = [r["id"] for r in created]
    assert _count(app, Resource, Resource.id.in_(ids)) == total
    assert _count(app, ResourceVersion, ResourceVersion.id.in_(ids), ResourceVersion.version_id == 1) == total
    with app.app_context():
        pks = select(Resource.pk).where(Resource.id.in_(ids)).scalar_subquery()
    assert _count(app, CompartmentMember, CompartmentMember.resource_pk.in_(pks)) == total
    entities = [f"{r['resourceType']}/{r['id']}" for r in created]
    assert _count(app, AuditEntry, AuditEntry.action == "create", AuditEntry.outcome == "success",
                  AuditEntry.entity.in_(entities)) == total
