"""Logs: one JSON line per request (the development server's own line dropped), plain text without
terminal colour codes, and scheduled jobs named in their lines."""
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from core import scheduler
from core.logs import DropDevServerRequestLines, JsonFormatter
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


class JsonLines(logging.Handler):
    """Formats every record it receives as the service would and keeps the lines."""

    def __init__(self):
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture()
def json_lines():
    handler = JsonLines()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)  # the session's `db upgrade` left Alembic's WARN on the root logger
    root.addHandler(handler)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(level)


def test_each_request_logs_one_json_line_with_its_request_id(client, json_lines):
    client.get("/healthz", headers={"X-Request-ID": "req-12345678"})
    client.get("/no-such-page", headers={"X-Request-ID": "req-87654321"})
    access = [json.loads(line) for line in json_lines if '"cloud_hospital.access"' in line]
    assert [(e["request_id"], e["path"], e["status"]) for e in access] == [
        ("req-12345678", "/healthz", 200), ("req-87654321", "/no-such-page", 404)]
    assert all(e["method"] == "GET" and e["duration_ms"] >= 0 for e in access)


def test_the_development_servers_request_line_is_dropped_and_its_other_lines_kept():
    def record(msg, *args):
        return logging.LogRecord("werkzeug", logging.INFO, __file__, 1, msg, args, None)

    keep = DropDevServerRequestLines()
    assert not keep.filter(record('127.0.0.1 - - [04/Dec/2026 15:00:00] "%s" %s %s', "GET / HTTP/1.1", "200", "-"))
    assert keep.filter(record(" * Running on %s", "http://127.0.0.1:5000"))


def test_colour_codes_are_taken_out_of_messages():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, "%s", ("\x1b[33mPress CTRL+C to quit\x1b[0m",),
                               None)
    line = JsonFormatter().format(record)
    assert json.loads(line)["message"] == "Press CTRL+C to quit" and "\\u001b" not in line


def test_a_scheduled_job_run_is_one_line_naming_the_job(app, json_lines):
    @scheduler.register_periodic("test.logged", seconds=60)
    def logged():
        return 3

    try:
        scheduler.run_job(app, "test.logged")
    finally:
        scheduler._periodic.pop("test.logged", None)
    lines = [json.loads(line) for line in json_lines if "test.logged" in line]
    assert len(lines) == 1 and lines[0]["job"] == "test.logged" and lines[0]["outcome"] == "success"
    assert lines[0]["result"] == 3 and "test.logged" in lines[0]["message"]


def test_apschedulers_lines_name_the_job(app):
    built = scheduler.build_scheduler(app)
    names = {job.id: job.name for job in built.get_jobs()}
    assert names and all(name == job_id for job_id, name in names.items())


@pytest.mark.live
@pytest.mark.slow
def test_the_development_server_writes_one_json_line_per_request_on_stderr(tmp_path):
    """`flask --app wsgi run` (what `make run` starts): every stderr line is JSON without ESC characters,
    one access line per request and no werkzeug line repeating it."""
    port = free_port()
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/dev.sqlite3",
           "SCHEDULER_AUTOSTART": "false", "FORCE_COLOR": "1"}
    env.pop("TEST_DATABASE_URL", None)
    stderr = tmp_path / "stderr.txt"
    with open(stderr, "wb") as sink:
        server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=sink)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(f"{base}/healthz", headers={"X-Request-ID": "probe-0000"}, timeout=2)
                    break
                except requests.ConnectionError:
                    assert time.monotonic() < deadline and server.poll() is None, stderr.read_text()
                    time.sleep(0.2)
            for n, path in enumerate(("/healthz", "/missing", "/readyz", "/api/v1/openapi.json"), start=1):
                requests.get(f"{base}{path}", headers={"X-Request-ID": f"line-test-{n:04d}"}, timeout=10)
        finally:
            server.terminate()
            server.wait(timeout=20)
    raw = stderr.read_bytes()
    assert b"\x1b" not in raw
    entries = [json.loads(line) for line in raw.decode().splitlines()]  # every line is JSON
    assert all("\x1b" not in entry["message"] for entry in entries)
    access = [e for e in entries if e["logger"] == "cloud_hospital.access" and e["request_id"].startswith("line-")]
    assert [(e["path"], e["status"]) for e in access] == [
        ("/healthz", 200), ("/missing", 404), ("/readyz", 200), ("/api/v1/openapi.json", 200)]
    assert not [e for e in entries if e["logger"] == "werkzeug" and "HTTP/1.1" in e["message"]]
