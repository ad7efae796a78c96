"""core.dbutil.read_connection: a read outside a transaction runs in autocommit on PostgreSQL (no BEGIN and
COMMIT round trips); inside one it sees the transaction's own writes; the FHIR read answers the same."""
import os
from contextlib import contextmanager

import pytest
from sqlalchemy import literal_column, select, text

from core import dbutil
from core.extensions import db
from core.models import AuditEntry
from records import store
from records.errors import FhirError
from records.fhir import wire

POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))


def _stored_patient(app, family="Reader"):
    with app.app_context():
        saved = store.create_resource({"resourceType": "Patient", "name": [{"family": family}]})
        db.session.commit()
    return saved


def test_a_read_returns_the_stored_resource_and_opens_no_transaction_on_postgresql(app):
    saved = _stored_patient(app)
    with app.app_context():
        assert store.read_resource("Patient", saved["id"]) == saved
        # On PostgreSQL the statement ran on an autocommit connection: the session never began a transaction.
        assert db.session().in_transaction() is not POSTGRES


def test_a_read_inside_a_transaction_sees_that_transactions_uncommitted_write(app):
    with app.app_context():
        db.session.connection()  # the request has begun its transaction
        saved = store.create_resource({"resourceType": "Patient", "name": [{"family": "Uncommitted"}]})
        assert store.read_resource("Patient", saved["id"]) == saved
        db.session.rollback()
        with pytest.raises(FhirError) as gone:
            store.read_resource("Patient", saved["id"])
        assert gone.value.status == 404


@pytest.mark.skipif(not POSTGRES, reason="autocommit reads are PostgreSQL's (SQLite keeps the session's connection)")
def test_the_autocommit_connection_goes_back_to_the_pool_transactional(app):
    _stored_patient(app)
    with app.app_context():
        with dbutil.read_connection() as connection:
            driver = connection.connection.driver_connection
            assert driver.autocommit is True
        assert driver.autocommit is False  # reset as it went back to the pool: later users get transactions


def test_the_fhir_read_answers_the_create_with_its_version_headers(app, accounts, client):
    _, headers = accounts.admin()
    created = client.post("/fhir/Patient", json={"resourceType": "Patient", "name": [{"family": "Headers"}]},
                          headers=headers)
    assert created.status_code == 201
    body = created.get_json()
    read = client.get(f"/fhir/Patient/{body['id']}", headers=headers)
    assert read.status_code == 200
    assert read.get_json() == body
    assert read.headers["ETag"] == created.headers["ETag"] == 'W/"1"'
    assert read.headers["Last-Modified"] == wire.http_date(body["meta"]["lastUpdated"])
    assert read.headers["Content-Type"].startswith("application/fhir+json")


@pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL: SQLite has no pooled server connections")
def test_a_read_after_every_pooled_connection_died_while_idle_still_answers(app, accounts, client):
    """A PostgreSQL restart kills every pooled connection; those idle past the ping window are replaced."""
    _, headers = accounts.admin()
    pid = client.post("/fhir/Patient", json={"resourceType": "Patient"}, headers=headers).get_json()["id"]
    with app.app_context():
        killer = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        killer.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        killer.invalidate()  # this one goes too: as after a restart, no pooled connection is alive
        killer.close()
        for record in list(db.engine.pool._pool.queue):  # idle for an hour, instead of sleeping
            record.info["checked_in_at"] -= 3600
    r = client.get(f"/fhir/Patient/{pid}", headers=headers)
    assert r.status_code == 200
    assert r.get_json()["id"] == pid


def test_a_search_sees_its_transactions_own_write_and_outside_one_opens_none_on_postgresql(app):
    saved = _stored_patient(app, family="Searched")
    with app.app_context():
        found = store.search("Patient", [("family", "Searched"), ("_include", "Patient:link")])
        assert [r["id"] for r in found.resources] == [saved["id"]] and found.total == 1
        assert db.session().in_transaction() is not POSTGRES
        fresh = store.create_resource({"resourceType": "Patient", "name": [{"family": "Searched"}]})
        both = store.search("Patient", [("family", "Searched")]).resources
        assert {r["id"] for r in both} == {saved["id"], fresh["id"]}
        db.session.rollback()
        assert [r["id"] for r in store.search("Patient", [("family", "Searched")]).resources] == [saved["id"]]


@pytest.mark.skipif(not POSTGRES, reason="the driver's autocommit cursor is PostgreSQL's (SQLite reads in the session)")
def test_the_autocommit_cursor_returns_its_connection_transactional_even_after_a_failed_statement(app):
    from sqlalchemy.exc import ProgrammingError

    with app.app_context():
        with dbutil.autocommit_cursor(db.engine) as cursor:
            driver = cursor.connection
            assert driver.autocommit is True
        assert driver.autocommit is False
        with pytest.raises(ProgrammingError) as failed:  # the driver's error, as SQLAlchemy's (handlers know it)
            with dbutil.autocommit_cursor(db.engine) as cursor:
                cursor.execute("SELECT no_such_column FROM resources")
        assert not failed.value.connection_invalidated
        assert cursor.connection.autocommit is False and not cursor.connection.closed
        assert dbutil.fetch_first(select(literal_column("1").label("one")), {}).one == 1


def _killing_first_cursor(killed):
    """dbutil.autocommit_cursor whose first cursor's server connection is terminated before its statement."""
    real_cursor = dbutil.autocommit_cursor

    @contextmanager
    def killing_cursor(engine):
        with real_cursor(engine) as cursor:
            if not killed:
                with engine.connect() as killer:
                    killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": cursor.connection.info.backend_pid})
                    killer.commit()
                killed.append(cursor.connection)
            yield cursor

    return killing_cursor


@pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL: a server connection to terminate")
def test_a_read_whose_connection_was_killed_mid_use_answers_503_and_the_next_read_200(app, accounts, client,
                                                                                     flask_path_client):
    """A connection that dies between its checkout and its statement (no idle ping saves it) is invalidated:
    the request gets the database-unavailable answer, not a 500, and the pool does not hand it out again."""
    _, headers = accounts.admin()
    pid = client.post("/fhir/Patient", json={"resourceType": "Patient"}, headers=headers).get_json()["id"]
    killed = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dbutil, "autocommit_cursor", _killing_first_cursor(killed))
        r = flask_path_client.get(f"/fhir/Patient/{pid}", headers=headers)
    assert r.status_code == 503, r.get_data(as_text=True)
    assert r.get_json()["resourceType"] == "OperationOutcome"
    assert killed[0].closed
    r = client.get(f"/fhir/Patient/{pid}", headers=headers)
    assert r.status_code == 200 and r.get_json()["id"] == pid


@pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL: a server connection to terminate")
def test_a_plain_read_whose_connection_was_killed_is_answered_by_flask_path_on_a_fresh_one(app, accounts, client):
    """The plain read below Flask hands a database error to Flask's path, which reads on a fresh connection: the
    client gets its 200 and one audit entry; the dead connection is not handed out again."""
    _, headers = accounts.admin()
    pid = client.post("/fhir/Patient", json={"resourceType": "Patient"}, headers=headers).get_json()["id"]
    killed = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dbutil, "autocommit_cursor", _killing_first_cursor(killed))
        r = client.get(f"/fhir/Patient/{pid}", headers={**headers, "X-Request-ID": "killed-plain-read"})
    assert r.status_code == 200 and r.get_json()["id"] == pid
    assert killed[0].closed
    with app.app_context():
        outcomes = db.session.scalars(select(AuditEntry.outcome).where(AuditEntry.request_id == "killed-plain-read"))
        assert list(outcomes) == ["success"]
