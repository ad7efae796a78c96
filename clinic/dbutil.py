"""Small database helpers for race-free writes on SQLite and PostgreSQL.

SQLite: the kernel enables WAL and a 30 s busy timeout. A transaction that has read and then writes
fails at once with "database is locked" when another writer committed in between (its read
snapshot is stale; the busy timeout does not apply). Write paths that matter (booking, cancel,
check-in, sweeps) therefore call `begin_write()` first, which issues `BEGIN IMMEDIATE`: the
transaction takes the write lock up front (waiting up to the busy timeout), so it never fails
half-way. On PostgreSQL this is a no-op: row locks taken by conditional updates do the work.
"""
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from core.extensions import db


def dialect_name():
    """The name of the database dialect in use ("sqlite", "postgresql")."""
    return db.session.get_bind().dialect.name


def begin_write():
    """Start this transaction with the write lock on SQLite (BEGIN IMMEDIATE); no-op elsewhere."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def insert_ignore(model, rows, keys, returning=None):
    """INSERT rows, skipping those that clash on the unique `keys`; return the returned column values."""
    if not rows:
        return []
    module = postgresql if dialect_name() == "postgresql" else sqlite
    # One statement compiled once and run over the rows (SQLAlchemy batches them as multi-row VALUES):
    # `.values(rows)` would compile a new statement with a parameter per cell on every call.
    stmt = module.insert(model.__table__).on_conflict_do_nothing(index_elements=keys)
    if returning is not None:
        return list(db.session.execute(stmt.returning(returning), rows).scalars())
    db.session.execute(stmt, rows)
    return []


def insert_or_increment(model, values, keys, column, below=None):
    """Upsert in one round trip: insert `values` (column = 1) or add 1 to `column` where it is below
    `below`; return the new value, or None when the row is at the limit (nothing changed)."""
    module = postgresql if dialect_name() == "postgresql" else sqlite
    current = getattr(model, column)
    stmt = module.insert(model).values(**values, **{column: 1}).on_conflict_do_update(
        index_elements=keys, set_={column: current + 1}, where=(current < below) if below is not None else None)
    return db.session.execute(stmt.returning(current)).scalar()


def conditional_update(model, where, values):
    """UPDATE model SET values WHERE where; return the number of rows changed (the race decider)."""
    stmt = update(model).where(*where).values(**values).execution_options(synchronize_session=False)
    return db.session.execute(stmt).rowcount


def conditional_update_returning(model, where, values, *columns):
    """Like conditional_update, returning the changed row's `columns` (None when nothing changed)."""
    stmt = (update(model).where(*where).values(**values).returning(*columns)
            .execution_options(synchronize_session=False))
    return db.session.execute(stmt).first()
