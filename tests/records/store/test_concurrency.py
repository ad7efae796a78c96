"""Two writers updating the same resource: the row lock makes the second see the first's version
(https://hl7.org/fhir/R4/http.html#concurrency). Real connections, real threads; PostgreSQL only
(SQLite has no row locks: its single writer fails the loser with a busy-snapshot error instead)."""
import threading

import pytest

from core.extensions import db
from records import store
from records.errors import FhirError
from tests.records.store.builders import patient


def race(app, write, first, second):
    """Run `write(name)` in two threads: `first` writes and holds its lock while `second` arrives.

    Returns {name: "ok" | FhirError status | name of another exception's class}."""
    written, outcomes = threading.Event(), {}

    def writer(name, hold):
        with app.app_context():
            try:
                if not hold:
                    written.wait(5)
                write(name)
                if hold:
                    written.set()
                    threading.Event().wait(0.3)  # keep the lock while the other writer arrives
                db.session.commit()
                outcomes[name] = "ok"
            except FhirError as error:
                db.session.rollback()
                outcomes[name] = error.status
            except Exception as error:  # noqa: BLE001 - e.g. an IntegrityError: the outcome is what is tested
                db.session.rollback()
                outcomes[name] = type(error).__name__
            finally:
                written.set()
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(first, True)),
               threading.Thread(target=writer, args=(second, False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return outcomes


def test_concurrent_if_match_updates_let_exactly_one_win(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks are a PostgreSQL feature")
        created = store.create_resource(patient(), resource_id="contended")
        db.session.commit()

    def update(gender):
        store.update_resource("Patient", "contended", {**created, "gender": gender}, if_match='W/"1"')

    assert race(app, update, "female", "other") == {"female": "ok", "other": 412}
    with app.app_context():
        assert store.read_resource("Patient", "contended")["meta"]["versionId"] == "2"
        db.session.remove()


def test_concurrent_creates_of_one_client_id_give_one_conflict(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs two concurrent writers")

    def create(family):
        store.create_resource(patient(family=family), resource_id="race")

    assert race(app, create, "First", "Second") == {"First": "ok", "Second": 409}
