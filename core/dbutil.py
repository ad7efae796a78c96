"""Small database helpers for race-free writes on SQLite and PostgreSQL.

Write paths that matter (booking, cancel, check-in, sweeps) call `core.transaction.begin_write()`
first (SQLite's write lock up front); on PostgreSQL the conditional updates here take the row locks.
"""
import functools
import random
import time
import weakref
from collections import namedtuple
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from core.extensions import db


_database_keys = weakref.WeakKeyDictionary()  # engine -> its URL as text


def database_key():
    """The app database's URL as text, a key for per-database process state (token cache, revocation watch):
    rendering the URL costs ~15 us, twice on every authenticated request; an engine's URL never changes."""
    engine = db.engine
    key = _database_keys.get(engine)
    if key is None:
        key = _database_keys[engine] = str(engine.url)
    return key


def dialect_name():
    """The name of the database dialect in use ("sqlite", "postgresql")."""
    return db.session.get_bind().dialect.name


def execute(stmt, params=None):
    """Run a Core statement on the session's connection after flushing pending ORM changes (what
    Session.execute's autoflush does): same effect, but Session.execute's ORM layer costs ~0.3 ms of CPU
    per statement against ~0.1 ms for Connection.execute, which adds up on the booking path."""
    db.session.flush()
    return db.session.connection().execute(stmt, params)


def _flushed_session():
    """The request's Session itself (the scoped_session proxy has no in_transaction), its pending ORM changes
    flushed first: what the ORM's autoflush would have done before a query (it begins the transaction)."""
    return _flush_pending(db.session())


def _flush_pending(session):
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session


def existing_session():
    """The Session of this app context if one was made, else None: a plain read never needs one, and making it
    only to ask whether it holds anything costs its creation and its close at teardown (~40 us)."""
    registry = db.session.registry
    return registry() if registry.has() else None


@contextmanager
def read_connection():
    """A connection for read-only statements: the session's while it has a transaction (its own writes, locks
    and snapshot must be seen), else, on PostgreSQL, a pooled connection in autocommit.

    A request that only reads paid BEGIN, its statements and COMMIT: two of a FHIR read's round trips that do
    nothing at READ COMMITTED, where every statement takes its own snapshot inside a transaction or not."""
    session = _flushed_session()
    if session.in_transaction() or dialect_name() != "postgresql":
        yield session.connection()
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


def fetch_all(stmt, params):
    """The rows of a read-only Core statement, read as `read_connection` does (in the session's transaction
    when it has one, else on PostgreSQL in autocommit), but there through the DBAPI cursor itself
    (`autocommit_cursor`) when the statement allows it: SQLAlchemy's Connection costs ~0.12 ms of CPU per
    statement over the driver's own (bench/profile_search.py). Rows answer by position and by column name."""
    session = existing_session()
    if session is not None:
        _flush_pending(session)
    engine = db.engine
    form = None
    if (session is None or not session.in_transaction()) and engine.dialect.name == "postgresql":
        form = _driver_form(stmt, engine.dialect)
    if form is None:
        with read_connection() as connection:
            return connection.execute(stmt, params).all()
    sql, defaults, make_row = form
    with autocommit_cursor(engine) as cursor:
        cursor.execute(sql, {**defaults, **params} if defaults else params)
        return [make_row(values) for values in cursor.fetchall()]


def fetch_first(stmt, params):
    """The first row of `fetch_all(stmt, params)`, or None."""
    rows = fetch_all(stmt, params)
    return rows[0] if rows else None


@functools.lru_cache(maxsize=512)
def _driver_form(stmt, dialect):
    """(SQL in the driver's parameter style, the values bound in the statement itself, row maker) for a
    statement whose values need no conversion on either side (no bind or result processor, no expanding IN
    list), compiled once; else None, and the statement goes through SQLAlchemy's Connection as usual."""
    compiled = stmt.compile(dialect=dialect)
    if any(bind.expanding or _converts(bind.type, dialect, bind=True) for bind in compiled.binds.values()):
        return None
    columns = getattr(stmt, "selected_columns", None)  # a text() statement says nothing of its columns
    if columns is None or any(_converts(column.type, dialect) for column in columns):
        return None
    defaults = {name: value for name, value in compiled.params.items() if value is not None}
    return str(compiled), defaults, namedtuple("Row", columns.keys(), rename=True)._make


def _converts(type_, dialect, bind=False):
    """Whether SQLAlchemy converts values of `type_` between Python and this dialect's driver."""
    impl = type_.dialect_impl(dialect)
    return (impl.bind_processor(dialect) if bind else impl.result_processor(dialect, None)) is not None


@contextmanager
def autocommit_cursor(engine):
    """A cursor of a pooled PostgreSQL connection in autocommit, for one self-contained statement (a read, a
    single multi-row INSERT), without SQLAlchemy's Connection around it. The pool still hands it out (and
    pings it when idle, core.db_ping), driver errors still reach the app as SQLAlchemy's DBAPIError (a lost
    connection is invalidated and answered 503 as anywhere else), and the connection goes back to the pool
    transactional."""
    fairy = engine.raw_connection()
    driver = fairy.driver_connection
    try:
        driver.autocommit = True
        try:
            with driver.cursor() as cursor:
                yield cursor
        except engine.dialect.loaded_dbapi.Error as error:
            invalidated = engine.dialect.is_disconnect(error, driver, None)
            if invalidated:
                fairy.invalidate(error)
            raise DBAPIError.instance(None, None, error, engine.dialect.loaded_dbapi.Error,
                                      connection_invalidated=invalidated, dialect=engine.dialect) from error
    finally:
        try:
            if fairy.is_valid and not driver.closed:
                driver.autocommit = False  # later users of the pooled connection expect transactions
        finally:
            fairy.close()


def insert_ignore(model, rows, keys, returning=None):
    """INSERT rows, skipping those that clash on the unique `keys`; return the returned column values."""
    if not rows:
        return []
    module = postgresql if dialect_name() == "postgresql" else sqlite
    # One statement compiled once and run over the rows (SQLAlchemy batches them as multi-row VALUES):
    # `.values(rows)` would compile a new statement with a parameter per cell on every call.
    stmt = module.insert(model.__table__).on_conflict_do_nothing(index_elements=keys)
    if returning is not None:
        return list(execute(stmt.returning(returning), rows).scalars())
    execute(stmt, rows)
    return []


@functools.lru_cache(maxsize=64)
def _increment_statement(dialect, model, keys, column, below):
    module = postgresql if dialect == "postgresql" else sqlite
    current = getattr(model, column)
    return module.insert(model).on_conflict_do_update(
        index_elements=list(keys), set_={column: current + 1},
        where=(current < below) if below is not None else None).returning(current)


def insert_or_increment(model, values, keys, column, below=None):
    """Upsert in one round trip: insert `values` (column = 1) or add 1 to `column` where it is below
    `below`; return the new value, or None when the row is at the limit (nothing changed). The statement
    is built once per shape, the values go as parameters (building it per call cost ~0.2 ms of CPU)."""
    stmt = _increment_statement(dialect_name(), model, tuple(keys), column, below)
    return execute(stmt, {**values, column: 1}).scalar()


def conditional_update(model, where, values):
    """UPDATE model SET values WHERE where; return the number of rows changed (the race decider).
    The session's copies of the rows are not refreshed (as synchronize_session=False)."""
    return execute(update(model).where(*where).values(**values)).rowcount


def conditional_update_returning(model, where, values, *columns):
    """Like conditional_update, returning the changed row's `columns` (None when nothing changed)."""
    return execute(update(model).where(*where).values(**values).returning(*columns)).first()


# PostgreSQL aborts one transaction of a deadlock (40P01) or a serialization conflict (40001); running the
# whole transaction again is then correct, and what the database asks for.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
RETRY_ATTEMPTS = 3


def is_transient(error):
    """True for a database error that a retry of the whole transaction can cure (deadlock, serialization)."""
    return getattr(getattr(error, "orig", None), "sqlstate", None) in TRANSIENT_SQLSTATES


def retry_transient(view):
    """Decorator for a write view: on a deadlock / serialization failure roll everything back and run the
    view again (up to RETRY_ATTEMPTS times, with a short random pause); the pending rows are flushed
    inside, so a failure at the commit's flush is retried too."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        for attempt in range(1, RETRY_ATTEMPTS + 1):
            try:
                response = view(*args, **kwargs)
                db.session.flush()
                return response
            except DBAPIError as error:
                if not is_transient(error) or attempt == RETRY_ATTEMPTS:
                    raise
                db.session.rollback()
                current_app.logger.warning("transient database error (%s), retrying: attempt %d",
                                           error.orig.sqlstate, attempt + 1)
                time.sleep(random.uniform(0.0, 0.01 * attempt))

    return wrapper
