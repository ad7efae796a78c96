"""Fixtures of the fault tests: real gunicorn processes on the test database (killed with SIGKILL and
started again on the same port), and a skip for what only PostgreSQL can show."""
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from tests.clinic.consult.procs import ROOT, ServerProcess

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


class JobProcess:
    """`python -m tests.reliability.jobrun` on the test database: one scheduled-job run in its own process."""

    def __init__(self, app, job_id, at=None, slow=None):
        args = [sys.executable, "-m", "tests.reliability.jobrun", job_id]
        if at:
            args += ["--at", at.isoformat()]
        if slow:
            args += ["--slow", slow]
        env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": "",
               "SECRET_KEY": app.config["SECRET_KEY"], "INSTANCE_PATH": tempfile.mkdtemp(prefix="jobrun-"),
               "LOG_LEVEL": "WARNING"}
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)

    def wait_for_steps(self, count, timeout=30):
        """Block until the slowed job has made `count` steps (it is then in the middle of its run)."""
        deadline = time.monotonic() + timeout
        for _ in range(count):
            line = self.proc.stdout.readline()
            assert line.strip() == "step", (line, self.proc.stderr.read() if self.proc.poll() is not None else "")
            assert time.monotonic() < deadline

    def kill(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.communicate(timeout=10)  # reaps it and closes the pipes

    def result(self, timeout=60):
        """Wait for the end; the job's return value (as printed)."""
        out, err = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, err
        return [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("result ")][0]


@pytest.fixture()
def job_process(app):
    started = []

    def start(job_id, at=None, slow=None):
        started.append(JobProcess(app, job_id, at, slow))
        return started[-1]

    yield start
    for job in started:
        if job.proc.poll() is None:
            job.kill()
