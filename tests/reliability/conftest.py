"""Fixtures of the fault tests: real gunicorn processes on the test database (killed with SIGKILL and
started again on the same port), and a skip for what only PostgreSQL can show."""
import os

import pytest

from tests.clinic.consult.procs import ServerProcess

REDIS_URL = os.environ.get("CONSULT_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def is_postgres(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


@pytest.fixture()
def postgres_only(app):
    """Skip on SQLite: a database "host" that goes away, backends and pools exist only on PostgreSQL."""
    if not is_postgres(app):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): SQLite is a file, it cannot become unreachable")


@pytest.fixture()
def servers(app):
    """servers(**env) starts a gunicorn process on the test database; all are stopped after the test."""
    started = []

    def start(redis_url=None, database_url=None, **env):
        server = ServerProcess(database_url or app.config["SQLALCHEMY_DATABASE_URI"], redis_url, **env)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
