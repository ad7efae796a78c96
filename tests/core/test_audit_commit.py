"""Group commit of read audit entries (core.audit_commit): a GET's reads are committed before the answer
leaves, in a transaction shared with other requests'; a failed request leaves no success entry; a bad row
fails only its own request."""
import threading
from contextlib import contextmanager

from sqlalchemy import event, func, select

from core import audit_commit, clock, dbutil
from core.extensions import db
from core.models import AuditEntry


def _entries(app, **where):
    with app.app_context():
        query = select(AuditEntry).where(*[getattr(AuditEntry, k) == v for k, v in where.items()])
        return db.session.scalars(query).all()


def _row(request_id, **extra):
    return {"at": clock.now(), "user_id": "u1", "role": "admin", "action": "read", "entity": "Patient/x",
            "patient_ref": "Patient/x", "outcome": "success", "address": None, "request_id": request_id,
            "detail": None, **extra}


def _new_patient(client, headers):
    r = client.post("/fhir/Patient", json={"resourceType": "Patient", "name": [{"family": "Grace"}]},
                    headers=headers)
    assert r.status_code == 201
    return r.get_json()["id"]


def test_an_answered_get_has_its_audit_entry_committed(app, accounts, client):
    _, headers = accounts.admin()
    pid = _new_patient(client, headers)
    r = client.get(f"/fhir/Patient/{pid}", headers={**headers, "X-Request-ID": "read-audited-1"})
    assert r.status_code == 200
    [entry] = _entries(app, request_id="read-audited-1")
    assert (entry.action, entry.outcome, entry.entity, entry.patient_ref) == ("read", "success", f"Patient/{pid}",
                                                                               f"Patient/{pid}")
    r = client.get("/fhir/Patient?family=Grace", headers={**headers, "X-Request-ID": "search-audited-1"})
    assert r.status_code == 200
    assert [e.action for e in _entries(app, request_id="search-audited-1")] == ["search"]


def test_a_get_that_fails_after_its_read_leaves_no_success_entry(app, accounts, client, flask_path_client,
                                                                  monkeypatch):
    from records.fhir import views

    _, headers = accounts.admin()
    pid = _new_patient(client, headers)

    def broken(reply, prefer):
        raise RuntimeError("rendering failed after the read")

    monkeypatch.setattr(views, "_respond_to", broken)
    r = flask_path_client.get(f"/fhir/Patient/{pid}", headers={**headers, "X-Request-ID": "read-failed-1"})
    assert r.status_code == 500
    assert [e.outcome for e in _entries(app, request_id="read-failed-1")] == []


def test_writes_keep_their_entry_in_their_own_transaction(app, accounts, client):
    _, headers = accounts.admin()
    r = client.post("/fhir/Patient", json={"resourceType": "Patient"}, headers={**headers, "X-Request-ID": "create-1"})
    assert r.status_code == 201
    assert [e.action for e in _entries(app, request_id="create-1")] == ["create"]


def test_a_bad_row_fails_only_its_own_request(app):
    with app.app_context():
        committer = audit_commit.GroupCommit(db.engine)
    good = audit_commit._Ticket([_row("batch-good-1")])
    bad = audit_commit._Ticket([_row("batch-bad-1", outcome=None)])  # NOT NULL: the batch's INSERT fails
    committer._commit([good, bad])
    assert good.done and good.error is None
    assert bad.done and bad.error is not None
    assert len(_entries(app, request_id="batch-good-1")) == 1


def test_concurrent_writers_all_return_committed(app):
    with app.app_context():
        committer = audit_commit.GroupCommit(db.engine)
    start = threading.Barrier(8)

    def write(n):
        start.wait()
        committer.write([_row(f"concurrent-{n}")])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.request_id.like("concurrent-%")))
    assert count == 8


def test_a_batch_is_written_by_one_statement(app, monkeypatch):
    with app.app_context():
        committer = audit_commit.GroupCommit(db.engine)
    statements = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    real_cursor = dbutil.autocommit_cursor

    @contextmanager
    def counted_cursor(engine):  # PostgreSQL: the batch goes through the driver's cursor, below the engine's events
        with real_cursor(engine) as cursor:
            yield _CountedCursor(cursor, statements)

    monkeypatch.setattr(dbutil, "autocommit_cursor", counted_cursor)
    event.listen(committer.engine, "before_cursor_execute", listen)
    try:
        committer._commit([audit_commit._Ticket([_row(f"one-statement-{n}")]) for n in range(3)])
    finally:
        event.remove(committer.engine, "before_cursor_execute", listen)
    # Other threads share the engine (the revocation watch polls access_tokens): only the audit table counts.
    audit_statements = [s for s in statements if "audit_entries" in s]
    assert len(audit_statements) == 1 and audit_statements[0].startswith("INSERT INTO audit_entries")
    assert len(_entries(app, request_id="one-statement-2")) == 1


class _CountedCursor:
    def __init__(self, cursor, statements):
        self._cursor, self._statements = cursor, statements

    def execute(self, statement, params=None):
        self._statements.append(statement)
        return self._cursor.execute(statement, params)
