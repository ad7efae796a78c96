"""core.db_ping: pooled PostgreSQL connections are pinged only after sitting idle, and a dead one is replaced."""
import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import QueuePool

from core import db_ping
from core.extensions import db

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="needs PostgreSQL (TEST_DATABASE_URL): SQLite has no pool to ping; the suite's PostgreSQL run covers it")


@pytest.fixture
def engine(app):
    """A small pool on the test database (the app's own engine is shared by the whole session)."""
    with app.app_context():
        url = db.engine.url
    made = create_engine(url, poolclass=QueuePool, pool_size=1, max_overflow=0)
    yield made
    made.dispose()


@pytest.fixture
def pings(engine, monkeypatch):
    """Counts the pings the pool sends."""
    count = []
    real = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: count.append(1) or real(conn))
    return count


def _backend_pid(engine):
    with engine.connect() as conn:
        return conn.scalar(text("SELECT pg_backend_pid()"))


def _age_pooled_connection(engine, seconds):
    """Make the connection waiting in the pool look idle for `seconds` (instead of sleeping that long)."""
    record = engine.pool._pool.queue[0]
    record.info["checked_in_at"] -= seconds


def test_a_connection_in_use_a_moment_ago_is_not_pinged(engine, pings):
    db_ping.install(engine, idle_seconds=60)
    first = _backend_pid(engine)
    for _ in range(5):
        assert _backend_pid(engine) == first
    assert pings == []


def test_an_idle_connection_is_pinged_and_kept_when_alive(engine, pings):
    db_ping.install(engine, idle_seconds=60)
    first = _backend_pid(engine)
    _age_pooled_connection(engine, 61)
    assert _backend_pid(engine) == first
    assert len(pings) == 1


def test_an_idle_connection_that_died_is_replaced_without_an_error(app, engine, pings):
    db_ping.install(engine, idle_seconds=60)
    dead = _backend_pid(engine)
    with app.app_context():  # the server side closes it, as a PostgreSQL restart or an idle timeout would
        assert db.session.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": dead}) is True
        db.session.rollback()
    _age_pooled_connection(engine, 61)
    replacement = _backend_pid(engine)
    assert replacement != dead
    assert len(pings) == 1


def test_without_the_ping_a_dead_busy_connection_fails_its_statement_and_the_next_one_works(app, engine):
    """The trade-off, stated as a test: within the idle window a dead connection is found by the statement."""
    db_ping.install(engine, idle_seconds=60)
    dead = _backend_pid(engine)
    with app.app_context():
        db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dead})
        db.session.rollback()
    with pytest.raises(Exception) as failed:
        _backend_pid(engine)
    assert "terminat" in str(failed.value).lower() or "closed" in str(failed.value).lower()
    assert _backend_pid(engine) != dead  # SQLAlchemy invalidated it: the next checkout opens a new one
