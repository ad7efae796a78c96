"""SQLite: a transaction that starts with a SAVEPOINT (begin_nested), reads, and then writes must not fail
with "database is locked" because another connection committed in between (CI saw a transaction Bundle
answer 503 so while the audit of a GET committed beside it)."""
import threading
import uuid

import pytest
from sqlalchemy import func, insert, select

from core import clock
from core.extensions import db
from core.models import AuditEntry


def _audit_row():
    return {"at": clock.now(), "user_id": uuid.uuid4().hex, "action": "read", "entity": "Patient/p1",
            "outcome": "success"}


def test_a_savepoint_then_read_then_write_waits_for_a_concurrent_writer(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's locking: PostgreSQL has row locks and no database write lock")
        engine = db.engine
    read_done, other_tried, errors = threading.Event(), threading.Event(), []

    def other_writer():
        read_done.wait(10)
        try:
            with engine.begin() as connection:
                other_tried.set()  # it now queues for the lock (or, without the hook, commits at once)
                connection.execute(insert(AuditEntry), [_audit_row()])
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            other_tried.set()

    thread = threading.Thread(target=other_writer)
    thread.start()
    with engine.connect() as connection:
        outer = connection.begin()
        savepoint = connection.begin_nested()
        connection.execute(select(func.count()).select_from(AuditEntry)).scalar()
        read_done.set()
        other_tried.wait(10)
        thread.join(0.3)  # give the other writer time to commit if nothing holds it back
        connection.execute(insert(AuditEntry), [_audit_row()])
        savepoint.commit()
        outer.commit()
    thread.join(35)
    assert not thread.is_alive() and errors == []
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(AuditEntry)).scalar() == 2
