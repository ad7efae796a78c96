"""Reads are audited by group commit (core.audit_commit), and still no answered read goes unaudited: a real
gunicorn process under load is killed with SIGKILL, and every read or search a client received an answer
for has its audit entry (the entries beyond them are requests in flight whose answer the kill cut off)."""
import threading
import time

import pytest
import requests
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry
from tests.clinic.consult.procs import ServerProcess

pytestmark = [pytest.mark.live, pytest.mark.slow]
CLIENTS = 8
ANSWERS_BEFORE_KILL = 300


def _patient(client, headers):
    r = client.post("/fhir/Patient", json={"resourceType": "Patient", "name": [{"family": "Crash", "given": ["Kay"]}]},
                    headers={**headers, "Content-Type": "application/fhir+json"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_every_answered_read_is_audited_after_a_sigkill(app, accounts, client):
    admin_id, headers = accounts.admin()
    patient_id = _patient(client, headers)
    server = ServerProcess(app.config["SQLALCHEMY_DATABASE_URI"]).start()
    answered, failures, stop = [], [], threading.Event()

    def reads(n):
        session, i = requests.Session(), 0
        while not stop.is_set():
            request_id, i = f"crash-{n}-{i:06d}", i + 1
            path = f"/fhir/Patient/{patient_id}" if i % 2 else "/fhir/Patient?family=Crash"
            try:
                r = session.get(server.url + path, headers={**headers, "X-Request-ID": request_id}, timeout=30)
            except requests.RequestException:
                return  # the server is gone: this request was never answered
            (answered if r.status_code == 200 else failures).append((request_id, r.status_code))

    threads = [threading.Thread(target=reads, args=(n,)) for n in range(CLIENTS)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while len(answered) < ANSWERS_BEFORE_KILL and time.monotonic() < deadline and not failures:
            time.sleep(0.05)
        server.kill()  # SIGKILL to the arbiter and its worker, mid-load
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
        server.stop()
    assert not failures and len(answered) >= ANSWERS_BEFORE_KILL
    with app.app_context():
        audited = set(db.session.scalars(select(AuditEntry.request_id).where(
            AuditEntry.user_id == admin_id, AuditEntry.outcome == "success",
            AuditEntry.action.in_(("read", "search")), AuditEntry.request_id.like("crash-%"))))
    received = {request_id for request_id, _ in answered}
    assert received - audited == set()  # every answered read is audited
    assert len(audited - received) <= CLIENTS  # the rest: at most one request in flight per client
