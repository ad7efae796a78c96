"""The demo data set as the world of the tests that need one (the consoles, the fuzzers), on a Ningbo
morning's clock: `flask seed demo`'s work once per test process and clock minute, then a copy of its rows
for the next test that asks.

Loading the demo goes through the services (accounts, directory, FHIR store, care plans): ~4 s of CPU for
~42,000 rows, and the consoles' and fuzzers' tests asked for it ~65 times a run, about a fifth of the
suite's CPU. Putting the same rows back costs a tenth of that. The copy is only taken of a load into empty tables
and only given back into empty tables, on the same database and with the clock in the same minute (the
demo's slots, readings and visits are placed relative to the clock). Tests of the seed itself
(tests/seeds) still run it for real."""
import time
from datetime import datetime
from datetime import time as time_of_day
from datetime import timedelta, timezone

from sqlalchemy import select

from core import clock, dbutil
from core.extensions import db
from seeds import demo as demo_seed
from tests.tables import filled_tables

SHANGHAI = timedelta(hours=8)  # the demo institutions' zone, Asia/Shanghai (no daylight saving)


def ningbo_morning(hour=10):
    """Run the server's clock (core.clock) from `hour`:00 of today's date in Ningbo, on in real time, and
    return that instant. The consoles' world is built and used on it, browsers included (`Consoles(server_clock=True)`),
    so nothing a test sees depends on the hour it runs: no slot near midnight falling on the next local day,
    no pharmacy closed for the night. Restored by tests/conftest.py after the test."""
    today = (datetime.now(timezone.utc) + SHANGHAI).date()
    start = datetime.combine(today, time_of_day(hour), tzinfo=timezone.utc) - SHANGHAI
    began = time.monotonic()
    clock.set_clock(lambda: start + timedelta(seconds=time.monotonic() - began))
    return start


_copies = {}  # (database URL, clock minute) -> the copy (see _capture)
_COPY_SCHEMA = "demo_world_copy"


def load_demo(app):
    """Load the demo data into the tables (committed), from a copy when one fits."""
    with app.app_context():
        key = (dbutil.database_key(), clock.now().replace(second=0, microsecond=0))
        with db.engine.connect() as connection:
            empty = not filled_tables(connection)
        if empty and key in _copies:
            _restore(_copies[key])
            return
        demo_seed.load()
        db.session.commit()
        if empty:
            _copies.clear()  # one copy at a time: a new minute makes the old one useless
            _copies[key] = _capture()


def _tables():
    return db.metadata.sorted_tables  # parents before children


def _capture():
    """The copy: on PostgreSQL tables of a schema of its own beside the data (put back by INSERT ... SELECT,
    never through Python), elsewhere the rows in memory."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {_COPY_SCHEMA} CASCADE")
            connection.exec_driver_sql(f"CREATE SCHEMA {_COPY_SCHEMA}")
            for table in _tables():
                connection.exec_driver_sql(f'CREATE TABLE {_COPY_SCHEMA}."{table.name}" AS TABLE "{table.name}"')
            return _COPY_SCHEMA
        return [(table, rows) for table in _tables()
                if (rows := [dict(row) for row in connection.execute(select(table)).mappings()])]


def _restore(copy):
    db.session.remove()
    with db.engine.begin() as connection:
        if copy == _COPY_SCHEMA:
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")  # rows known consistent
            for table in _tables():
                connection.exec_driver_sql(f'INSERT INTO "{table.name}" SELECT * FROM {_COPY_SCHEMA}."{table.name}"')
            return
        for table, rows in copy:
            connection.execute(table.insert(), rows)
