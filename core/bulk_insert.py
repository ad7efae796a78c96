"""Many rows into one table in one command, inside the session's transaction: COPY on PostgreSQL,
executemany elsewhere.

psycopg 3 runs an executemany as one statement per row; COPY streams every row in one command (the
records store's ingest and the audit entries of a Bundle use it). Table and column names come from
our models (psycopg.sql.Identifier), values are streamed as data: no value is ever spliced into SQL.
"""
from sqlalchemy import insert

from core.extensions import db


def bulk_insert(table, rows):
    """Insert `rows` (dicts with identical keys) into `table` within the current transaction."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    from psycopg import sql

    columns = list(rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns))
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])
