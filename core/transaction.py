"""One transaction per request: commit on success, roll back on any error, keep what must survive an error."""
import logging

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from core import audit_commit, dbutil
from core.extensions import db

log = logging.getLogger(__name__)
_KEPT = "kept_on_error"
_KEPT_CALLS = "kept_calls_on_error"


def begin_write():
    """Start this transaction with the write lock on SQLite (BEGIN IMMEDIATE); no-op elsewhere.

    SQLite (WAL, 30 s busy timeout) fails a transaction that has read and then writes at once with
    "database is locked" when another writer committed in between (its snapshot is stale; the busy
    timeout does not apply). Taking the write lock up front queues such writers instead. PostgreSQL
    needs nothing: row locks and conditional updates do the work there."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def write_lock_before_savepoint(connection, _name):
    """SQLite engine hook: a SAVEPOINT outside a transaction starts one with the write lock (BEGIN IMMEDIATE).

    pysqlite opens a transaction by itself only before INSERT/UPDATE/DELETE; a SAVEPOINT (begin_nested) it
    lets through opens a deferred one, whose reads then pin a snapshot, and the first write after another
    connection committed fails at once with "database is locked" (a transaction Bundle read its references,
    the audit of a concurrent GET committed, the Bundle's INSERT failed: a 503). Every savepoint here guards
    writes, so it may as well queue for the lock up front, as begin_write does."""
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def serialise_on(key):
    """Hold a lock named `key` until this transaction ends, so that check-then-insert work on one thing
    (e.g. one consultation's prescriptions) runs one transaction at a time: a PostgreSQL transaction-level
    advisory lock; on SQLite the database write lock (writers are serialised anyway)."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        begin_write()
    else:
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def keep_on_error(model, **values):
    """Add a row that is written even if the request fails (a failed login, a denied-access audit entry)."""
    row = model(**values)
    db.session.add(row)
    db.session.info.setdefault(_KEPT, []).append((model, values, row))
    return row


def on_error_also(fn):
    """Run `fn()` (it flushes, never commits) with the kept rows after the request fails: the consequences
    of a refusal that was decided (e.g. an appointment referred in person), and nothing else of the request."""
    db.session.info.setdefault(_KEPT_CALLS, []).append(fn)


def _forget_kept(session):
    # Committed rows need no second write: a view may commit early (e.g. before a 422 it must record).
    session.info.pop(_KEPT, None)
    session.info.pop(_KEPT_CALLS, None)


def _add_again(kept):
    """Add fresh copies of the kept rows a rollback dropped (a row a savepoint kept is not added twice)."""
    lost = [(model, values) for model, values, row in kept if row not in db.session]
    db.session.add_all(model(**values) for model, values in lost)
    return lost


def restore_kept():
    """Add again the rows kept on error after a rollback (of the transaction or a savepoint) dropped them;
    the caller commits. Returns whether there were any."""
    return bool(_add_again(db.session.info.pop(_KEPT, None) or ()))


def rollback_keeping():
    """Roll back the failed work, then commit what must survive it (kept rows, then kept calls) in one transaction."""
    db.session.rollback()
    kept = db.session.info.pop(_KEPT, None) or []
    calls = db.session.info.pop(_KEPT_CALLS, None) or []
    if not kept and not calls:
        return
    _add_again(kept)
    try:
        for call in calls:
            call()
    except Exception:  # the kept rows (audit, decisions) matter more than a consequence that failed
        log.exception("a kept call failed after a failed request; writing the kept rows only")
        db.session.rollback()
        db.session.add_all(model(**values) for model, values, _ in kept)
    db.session.commit()


def commit_success():
    """Commit a request that succeeded: its session's work, then its reads' deferred audit entries."""
    session = dbutil.existing_session()
    # A request that only read outside a transaction (FHIR reads and searches on PostgreSQL) has nothing to
    # commit: Session.commit would begin and end an empty one (~0.05 ms of CPU); pending hooks live in info.
    if session is not None and (session.in_transaction() or session.new or session.dirty or session.deleted
                                or session.info):
        session.commit()
    audit_commit.write_deferred()  # the reads' audit entries, committed before the answer leaves


def finish_request(response):
    """after_request hook: commit when the response is a success, otherwise roll back (keeping what must stay)."""
    if response.status_code < 400:
        commit_success()
        return response
    audit_commit.drop_deferred()
    rollback_keeping()
    return response


def init_app(app):
    """Install the commit/rollback hook."""
    if not event.contains(Session, "after_commit", _forget_kept):
        event.listen(Session, "after_commit", _forget_kept)
    app.before_request(audit_commit.start_request)
    app.after_request(finish_request)
