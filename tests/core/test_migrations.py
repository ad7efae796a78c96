"""`flask db upgrade` builds every table on an empty database, on SQLite and on PostgreSQL."""
import os
import uuid

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from cloud_hospital.app import create_app
from core.extensions import db


def _migrate_and_compare(url, tmp_path):
    os.environ["INSTANCE_PATH"] = str(tmp_path)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        try:
            upgrade()
            tables = set(inspect(db.engine).get_table_names())
            expected = {t.name for t in db.metadata.sorted_tables}
            assert expected <= tables, expected - tables
            from alembic.autogenerate import compare_metadata
            from alembic.migration import MigrationContext

            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            assert diff == [], diff
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        finally:
            db.engine.dispose()  # also when an assertion failed, or the pool leaks into later tests


def test_upgrade_an_empty_sqlite_database(tmp_path):
    _migrate_and_compare(f"sqlite:///{tmp_path}/empty.sqlite3", tmp_path)


def test_upgrade_an_empty_postgresql_database(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"migrate_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server here: say so (CI always has one)
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {base}: {exc.__class__.__name__}")
    try:
        _migrate_and_compare(base.rsplit("/", 1)[0] + f"/{name}", tmp_path)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
