"""Race-free writes on SQLite and PostgreSQL (the same recipe as clinic.dbutil on the clinic branch).

SQLite (WAL): a transaction that read and then writes fails at once with "database is locked" when
another writer committed in between, so write paths start with `begin_write()` (BEGIN IMMEDIATE:
take the write lock first, waiting up to the busy timeout). On PostgreSQL it is a no-op: the row
locks taken by conditional updates serialise the writers that matter.
"""
import threading
import zlib

from sqlalchemy import update

from core.extensions import db

_STRIPES = [threading.Lock() for _ in range(256)]


def begin_write():
    """Start this transaction with the write lock on SQLite (BEGIN IMMEDIATE); no-op elsewhere."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def conditional_update(model, where, values):
    """UPDATE model SET values WHERE where; return the number of rows changed (the race decider)."""
    stmt = update(model).where(*where).values(**values).execution_options(synchronize_session=False)
    return db.session.execute(stmt).rowcount


def stripe_lock(key):
    """A process-local lock for `key` (striped): keeps commit-then-emit of one consultation in seq order."""
    return _STRIPES[zlib.crc32(key.encode()) % len(_STRIPES)]
