"""Two writers updating the same resource: the row lock makes the second see the first's version
(https://hl7.org/fhir/R4/http.html#concurrency). Real connections, real threads; PostgreSQL only
(SQLite has no row locks: its single writer fails the loser with a busy-snapshot error instead)."""
import threading

import pytest

from core.extensions import db
from records import store
from records.errors import FhirError
from tests.records.store.builders import patient


def test_concurrent_if_match_updates_let_exactly_one_win(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks are a PostgreSQL feature")
        created = store.create_resource(patient(), resource_id="contended")
        db.session.commit()
    locked, outcomes = threading.Event(), {}

    def writer(name, hold):
        with app.app_context():
            try:
                if not hold:
                    locked.wait(5)
                store.update_resource("Patient", "contended", {**created, "gender": name}, if_match='W/"1"')
                if hold:
                    locked.set()
                    threading.Event().wait(0.3)  # keep the row locked while the other writer arrives
                db.session.commit()
                outcomes[name] = "ok"
            except FhirError as error:
                db.session.rollback()
                outcomes[name] = error.status
            finally:
                locked.set()
                db.session.remove()

    threads = [threading.Thread(target=writer, args=("female", True)),
               threading.Thread(target=writer, args=("other", False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes == {"female": "ok", "other": 412}
    with app.app_context():
        assert store.read_resource("Patient", "contended")["meta"]["versionId"] == "2"
        db.session.remove()


def test_concurrent_creates_of_one_client_id_give_one_conflict(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs two concurrent writers")
    inserted, outcomes = threading.Event(), {}

    def writer(name, hold):
        with app.app_context():
            try:
                if not hold:
                    inserted.wait(5)
                store.create_resource(patient(family=name), resource_id="race")
                if hold:
                    inserted.set()
                    threading.Event().wait(0.3)  # the other writer now waits on the unique index
                db.session.commit()
                outcomes[name] = "ok"
            except FhirError as error:
                db.session.rollback()
                outcomes[name] = error.status
            finally:
                inserted.set()
                db.session.remove()

    threads = [threading.Thread(target=writer, args=("First", True)),
               threading.Thread(target=writer, args=("Second", False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes == {"First": "ok", "Second": 409}
