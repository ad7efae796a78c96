"""Bulk writes inside the session's transaction: primary keys from the sequence then COPY
(core.bulk_insert) on PostgreSQL, executemany elsewhere; `write_batch` sends updates, deletes and
small multi-row INSERTs in one psycopg pipeline. COPY is what lets ingest go past 2,000 resources/s.
"""
from sqlalchemy import func, insert, select

from core.bulk_insert import bulk_insert
from core.extensions import db


def insert_returning_pks(table, rows):
    """Insert `rows` and return their new primary keys in order (sequence + COPY on PostgreSQL)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        stmt = insert(table).returning(table.c.pk, sort_by_parameter_order=True)
        return list(connection.execute(stmt, rows).scalars())
    # One round trip for the keys, then COPY: cheaper than a RETURNING insert of hundreds of VALUES.
    pks = list(connection.execute(select(func.nextval(f"{table.name}_pk_seq")).select_from(
        func.generate_series(1, len(rows)))).scalars())
    bulk_insert(table, [{"pk": pk, **row} for pk, row in zip(pks, rows)])
    return pks


PIPELINE_MAX_ROWS = 20  # up to this many rows a table is one multi-row INSERT in the pipeline, beyond it a COPY
_SQL_CACHE = {}


def _insert_sql(driver, table_name, columns, count):
    key = (table_name, columns, count)
    statement = _SQL_CACHE.get(key)
    if statement is None:
        from psycopg import sql

        row = sql.SQL("({})").format(sql.SQL(", ").join(sql.Placeholder() * len(columns)))
        statement = sql.SQL("INSERT INTO {} ({}) VALUES {}").format(
            sql.Identifier(table_name), sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            sql.SQL(", ").join([row] * count)).as_string(driver)  # rendered once, not per execute
        if len(_SQL_CACHE) < 4096:
            _SQL_CACHE[key] = statement
    return statement


def _delete_sql(driver, table_name, column):
    key = ("DELETE", table_name, column)
    statement = _SQL_CACHE.get(key)
    if statement is None:
        from psycopg import sql

        statement = _SQL_CACHE[key] = sql.SQL("DELETE FROM {} WHERE {} = %s").format(
            sql.Identifier(table_name), sql.Identifier(column)).as_string(driver)
    return statement


def _update_sql(driver, table_name, key, columns):
    cache_key = ("UPDATE", table_name, key, columns)
    statement = _SQL_CACHE.get(cache_key)
    if statement is None:
        from psycopg import sql

        statement = _SQL_CACHE[cache_key] = sql.SQL("UPDATE {} SET {} WHERE {} = %s").format(
            sql.Identifier(table_name), sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns),
            sql.Identifier(key)).as_string(driver)
    return statement


def write_batch(deletes=(), inserts=(), updates=()):
    """Run `updates` [(table, key column, key, {column: value})], then `deletes` [(table, column, value)],
    then `inserts` [(table, rows)] in the current transaction.

    On PostgreSQL the statements go out in one psycopg pipeline (one network round trip for all of
    them; small tables as one multi-row INSERT each, big ones as COPY after the pipeline), in the
    order given. Elsewhere they run one after another through SQLAlchemy.
    """
    inserts = [(table, rows) for table, rows in inserts if rows]
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        for table, key, value, values in updates:
            connection.execute(table.update().where(table.c[key] == value).values(**values))
        for table, column, value in deletes:
            connection.execute(table.delete().where(table.c[column] == value))
        for table, rows in inserts:
            connection.execute(insert(table), rows)
        return
    driver = connection.connection.driver_connection
    small = [(t, r) for t, r in inserts if len(r) <= PIPELINE_MAX_ROWS]
    big = [(t, r) for t, r in inserts if len(r) > PIPELINE_MAX_ROWS]
    if updates or deletes or small:
        with driver.pipeline(), driver.cursor() as cursor:
            for table, key, value, values in updates:
                columns = tuple(values)
                cursor.execute(_update_sql(driver, table.name, key, columns), [*values.values(), value])
            for table, column, value in deletes:
                cursor.execute(_delete_sql(driver, table.name, column), (value,))
            for table, rows in small:
                columns = tuple(rows[0])
                cursor.execute(_insert_sql(driver, table.name, columns, len(rows)),
                               [row[c] for row in rows for c in columns])
    for table, rows in big:
        bulk_insert(table, rows)
