"""The service as deployed: a wheel built from this checkout, installed into a new virtual environment
outside it and run from another directory with the README's production commands (`cloud-hospital db
upgrade`, `users create-admin`, `serve`, `scheduler run`), on SQLite and on PostgreSQL.

To stay fast the new environment installs only the wheel (`--no-deps`) and finds the dependencies in
the test's own environment through a .pth line; the checkout itself is on no path, so every module of
the service comes from the installed wheel (checked)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import tomllib
import uuid
import zipfile
from pathlib import Path

import pytest
import requests

from tests.ports import free_port

pytestmark = [pytest.mark.slow, pytest.mark.live]
ROOT = Path(__file__).resolve().parents[2]
VENDOR_JS = "consoles/static/vendor/socket.io.min.js"
ADMIN_PASSWORD = "first-admin-pass-1"


class Installed:
    """The wheel and the virtual environment it is installed in."""

    def __init__(self, wheel, venv):
        self.wheel, self.venv = wheel, venv

    def run(self, cwd, env, *args, timeout=120):
        """Run `cloud-hospital ARGS` in `cwd` with exactly `env`."""
        return subprocess.run([str(self.venv / "bin" / "cloud-hospital"), *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=timeout)


def _copy_sources(target):
    """pyproject.toml, the README and the packages the build includes (no caches, no npm tree)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    target.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__", "node_modules", "*.egg-info")
    for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        shutil.copytree(ROOT / package, target / package, ignore=ignore)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the wheel from a copy of the checkout (an in-tree build/ could carry stale files) and install it."""
    base = tmp_path_factory.mktemp("installed")
    _copy_sources(base / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                    "-w", str(base / "dist"), str(base / "src")], check=True, capture_output=True, timeout=300)
    wheel = next((base / "dist").glob("cloud_hospital-*.whl"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    purelib = subprocess.run([str(venv / "bin" / "python"), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--no-index",
                    "--ignore-installed", "-q", str(wheel)], check=True, capture_output=True, timeout=300)
    return Installed(wheel, venv)


def _environment(**settings):
    """A clean environment: no checkout on PYTHONPATH, none of the test suite's settings."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    return {**{k: os.environ[k] for k in keep if k in os.environ}, **settings}


class Server:
    """`cloud-hospital serve` on a free port, its stderr kept in a file."""

    def __init__(self, installed, cwd, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stderr = cwd / f"serve-{self.port}.log"
        with open(self.stderr, "wb") as sink:
            self.process = subprocess.Popen([str(installed.venv / "bin" / "cloud-hospital"), "serve",
                                             "--bind", f"127.0.0.1:{self.port}", "--threads", "8"],
                                            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=sink)

    def wait_until_up(self, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.stderr.read_text()
            try:
                return requests.get(f"{self.url}/healthz", timeout=2)
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or its worker still booting
                time.sleep(0.2)
        raise AssertionError(f"not up in {seconds} s: {self.stderr.read_text()}")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        return self.stderr.read_text()


def _serve_and_check(installed, cwd, env):
    """Serve, then check the probes, the first admin's login, the consoles' client and the JSON log lines."""
    server = Server(installed, cwd, env)
    try:
        assert server.wait_until_up().json() == {"status": "ok"}
        ready = requests.get(f"{server.url}/readyz", timeout=10)
        assert ready.status_code == 200 and ready.json()["database"] == "ok"
        token = requests.post(f"{server.url}/api/v1/auth/token", json={"username": "root", "password": ADMIN_PASSWORD},
                              headers={"X-Request-ID": "installed-login-1"}, timeout=30)
        assert token.status_code == 200, token.text
        client_js = requests.get(f"{server.url}/app/vendor/socket.io.min.js", timeout=10).text
        if (ROOT / VENDOR_JS).is_file():  # built by `make consoles`: the wheel serves the real client
            assert "SOCKET_IO_MISSING" not in client_js and len(client_js) > 10_000
        assert requests.get(f"{server.url}/api/v1/docs", timeout=10).status_code == 200
    finally:
        log = server.stop()
    entries = [json.loads(line) for line in log.splitlines()]  # gunicorn's lines too are JSON
    assert any(e["logger"] == "gunicorn.error" and e["message"].startswith("Listening at") for e in entries)
    logins = [e for e in entries if e.get("request_id") == "installed-login-1"]
    assert [(e["path"], e["status"]) for e in logins] == [("/api/v1/auth/token", 200)]  # one line per request


def _check_imports_come_from_the_venv(installed, cwd, env):
    where = subprocess.run([str(installed.venv / "bin" / "python"), "-c",
                            "import cloud_hospital, consoles, core; print(cloud_hospital.__file__, core.__file__, "
                            "consoles.__file__)"], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    assert all(path.startswith(str(installed.venv)) for path in where.stdout.split()), where.stdout


def test_the_wheel_ships_the_entry_points_the_migrations_and_the_consoles_client(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    assert {"cloud_hospital/wsgi.py", "cloud_hospital/cli.py", "cloud_hospital/gunicorn_config.py",
            "cloud_hospital/migrations/env.py", "cloud_hospital/migrations/alembic.ini",
            "cloud_hospital/migrations/script.py.mako", "cloud_hospital/migrations/versions/0001_kernel.py"} <= names
    assert not [n for n in names if "node_modules" in n]
    if (ROOT / VENDOR_JS).is_file():
        assert VENDOR_JS in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "cloud-hospital = cloud_hospital.cli:main" in zipfile.ZipFile(installed.wheel).read(entry_points).decode()


def test_on_sqlite_from_another_directory(installed, tmp_path):
    env = _environment(SECRET_KEY="x" * 40)  # no DATABASE_URL, no INSTANCE_PATH: ./instance/ here
    _check_imports_come_from_the_venv(installed, tmp_path, env)
    upgraded = installed.run(tmp_path, env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / "instance" / "cloud_hospital.sqlite3").is_file()
    created = installed.run(tmp_path, env, "users", "create-admin", "--username", "root", "--password", ADMIN_PASSWORD)
    assert created.returncode == 0 and created.stdout.startswith("admin root created"), created.stderr
    _serve_and_check(installed, tmp_path, env)


@pytest.fixture()
def postgresql_schema():
    """A scratch schema in the test database (TEST_DATABASE_URL): (URL that uses it, schema name)."""
    from sqlalchemy import create_engine, text

    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgres"):  # the SQLite run; CI's PostgreSQL run has it
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): the suite's PostgreSQL run covers it")
    schema = f"installed_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        plain = url.replace("postgresql+psycopg://", "postgresql://", 1)  # as an operator writes it
        yield f"{plain}{'&' if '?' in plain else '?'}options=-csearch_path%3D{schema}", schema
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_in_production_on_postgresql(installed, tmp_path, postgresql_schema):
    url, _ = postgresql_schema
    # Production refuses the development SMS gateways: plug in a provider's adapter as an operator would
    # (docs/SMS.md), a module of its own beside the installed package.
    provider = tmp_path / "provider"
    provider.mkdir()
    (provider / "acme_sms.py").write_text(
        "from core.sms import SmsGateway\n\n\nclass AcmeGateway(SmsGateway):\n"
        "    def __init__(self, config):\n        self.config = config\n\n"
        "    def send(self, phone, text):\n        pass\n")
    env = _environment(CLOUD_HOSPITAL_ENV="production", SECRET_KEY="p" * 48, DATABASE_URL=url,
                       SMS_GATEWAY="acme_sms:AcmeGateway", PYTHONPATH=str(provider))
    upgraded = installed.run(tmp_path, env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    refused = installed.run(tmp_path, env, "seed", "demo")
    assert refused.returncode == 1 and "refuses to run under CLOUD_HOSPITAL_ENV=production" in refused.stderr
    created = installed.run(tmp_path, env, "users", "create-admin", "--username", "root", "--password", ADMIN_PASSWORD)
    assert created.returncode == 0, created.stderr
    _serve_and_check(installed, tmp_path, env)

    port = free_port()
    with open(tmp_path / "scheduler.log", "wb") as sink:
        scheduler = subprocess.Popen([str(installed.venv / "bin" / "cloud-hospital"), "scheduler", "run",
                                      "--metrics-port", str(port)], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                     stderr=sink)
    try:
        deadline = time.monotonic() + 60
        while "scheduler leader" not in (tmp_path / "scheduler.log").read_text():
            assert time.monotonic() < deadline and scheduler.poll() is None, (tmp_path / "scheduler.log").read_text()
            time.sleep(0.2)
        job_metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert "cloud_hospital_scheduled_job_runs_total" in job_metrics
    finally:
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(timeout=30)
    leader = [json.loads(line) for line in (tmp_path / "scheduler.log").read_text().splitlines()]
    assert any(e["logger"] == "core.scheduler" and "leader" in e["message"] for e in leader)
