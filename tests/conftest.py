"""Shared fixtures: one app per test session on a migrated database (SQLite file, or PostgreSQL from
TEST_DATABASE_URL), every table emptied after each test, and helpers to act as each role.

Under pytest-xdist each worker is a session of its own: its own SQLite file, its own PostgreSQL database
(TEST_DATABASE_URL's name plus the worker id) and its own Socket.IO channel on the shared Redis."""
import gc
import os
import re
import tempfile
import warnings
from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cloud_hospital.app import create_app
from core import clock, sms
from core.config import normalise_database_url
from core.extensions import db, socketio
from core.identity import make_id_number
from tests.tables import filled_tables

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ... under pytest-xdist
# Server processes the tests start inherit this: runs (and workers) sharing one Redis do not hear each
# other's Socket.IO emits (Redis pub/sub channels ignore the database number).
os.environ["SOCKETIO_CHANNEL"] = f"cloud-hospital-test-{os.getpid()}"


def _worker_database(url):
    """TEST_DATABASE_URL for this process: under xdist, a database of the worker's own beside it."""
    if not XDIST_WORKER:
        return url
    named = make_url(url)
    mine = named.set(database=f"{named.database}_{XDIST_WORKER}")
    admin = create_engine(named, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": mine.database}) is None:
                conn.execute(text(f'CREATE DATABASE "{mine.database}"'))
    finally:
        admin.dispose()
    return mine.render_as_string(hide_password=False)


def _reset_postgres(url):
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app():
    tmp = tempfile.TemporaryDirectory(prefix="cloud-hospital-test-")
    if TEST_DATABASE_URL:
        url = _worker_database(normalise_database_url(TEST_DATABASE_URL))
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp.name}/test.sqlite3"
    os.environ["INSTANCE_PATH"] = tmp.name
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 1024,
        "REDIS_URL": None,
        # Deterministic: a test that reads a FHIR Slot/Appointment view after a booking drains the outbox
        # itself (clinic.fhir_views.drainer.drain_views); tests/clinic/test_view_outbox.py turns the thread on.
        "CLINIC_FHIR_VIEW_DRAINER": False,
        # Text messages stay in memory (core.sms.RecordGateway): tests read the registration codes there.
        "SMS_GATEWAY": "record",
    })
    with app.app_context():
        upgrade()
    # What is alive now (modules, models, the app) stays for the session: freezing it keeps every later
    # full collection, automatic or the live tests' below, from walking it again (~0.1-0.25 s each).
    gc.collect()
    gc.freeze()
    yield app
    app.extensions["clinic.realtime.token_watch"].stop()  # before its database goes away
    with app.app_context():
        db.engine.dispose()
    tmp.cleanup()


def _truncate_all(app):
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            filled = filled_tables(conn)
            if not filled:
                return
            if conn.dialect.name == "postgresql":
                # Everything goes: skip the foreign-key triggers, which otherwise check every deleted row
                # of a big table (the demo data set) against its referencing tables. One round trip.
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica; " +
                                     "; ".join(f'DELETE FROM "{table.name}"' for table in filled))
                return
            for table in filled:
                conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _isolate(request):
    """Every test starts from empty tables, no text messages and the real clock."""
    yield
    clock.set_clock(None)
    if "app" in request.fixturenames:
        _truncate_all(request.getfixturevalue("app"))
        _forget_messages(request.getfixturevalue("app"))


def _forget_messages(app):
    gateway = app.extensions[sms.EXTENSION]
    gateway.sent.clear()
    gateway.fail_with = None


@pytest.fixture(autouse=True)
def _collect_dead_sockets(request):
    """Clients of a server a live test killed or stopped leave sockets that only the garbage collector
    closes: collect them after each live test, quietly, rather than have their ResourceWarning fail
    whichever test runs next. Only live tests make them, and a collection is not free."""
    yield
    if request.node.get_closest_marker("live"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


@pytest.fixture(autouse=True)
def _session_socketio(request):
    """Keep the session app's Socket.IO server fit for real clients.

    Flask-SocketIO keeps one server per SocketIO object and another create_app (make_app) replaces it:
    point it back at the session app's. Its in-process test client patches the server's packet
    senders (and makes handlers synchronous) for good: undo that after each test, so a live-server
    test that follows gets its packets."""
    server = None
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        server = socketio.server = app.extensions["clinic.socketio_server"]
        configured = server.async_handlers, server.eio.async_handlers
    yield
    if server is not None:
        for name in ("_send_packet", "_send_eio_packet"):
            server.__dict__.pop(name, None)
        server.async_handlers, server.eio.async_handlers = configured


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def flask_path_client(app):
    """A client of the Flask app alone, without records.fhir.fast_read in front of it (which answers successful
    FHIR reads and searches itself): for tests of what Flask's request path does with such a request."""
    from werkzeug.test import Client

    class FlaskPathClient(Client):
        def open(self, *args, **kwargs):
            kwargs.setdefault("environ_base", {"REMOTE_ADDR": "127.0.0.1"})  # as Flask's test client sets it
            return super().open(*args, **kwargs)

    return FlaskPathClient(app.extensions["fhir_fast_read"].wsgi_app, app.response_class)


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


def last_code(app, phone):
    """The six-digit code in the last text message the test gateway sent to `phone` (None if it had none)."""

    messages = app.extensions[sms.EXTENSION].messages_to(phone)
    found = re.search(r"\b(\d{6})\b", messages[-1]) if messages else None
    return found.group(1) if found else None


class Accounts:
    """Create accounts and get bearer headers, the way an app would, through the API."""

    def __init__(self, app, client):
        self.app = app
        self.client = client
        self._seq = 0

    def next_identity(self, born=date(1980, 5, 17)):
        self._seq += 1
        return make_id_number("330203", born, self._seq), f"139{self._seq:08d}"

    def sent_code(self, phone):
        """The code of the last text message sent to `phone` (the test gateway keeps them)."""
        return last_code(self.app, phone)

    def register_patient(self, name="Li Wei", password="secret123", born=date(1980, 5, 17), id_number=None):
        """Register as an app does: ask for a code, read it off the phone, register with it. Each patient comes
        from an address of their own (their own device), as the per-address registration limits expect.
        `id_number`: give one (e.g. another account's, which files an identity claim) instead of a fresh one."""
        fresh_id_number, phone = self.next_identity(born)
        id_number = id_number or fresh_id_number
        device = {"REMOTE_ADDR": f"10.{200 + self._seq // 65536 % 50}.{self._seq // 256 % 256}.{self._seq % 256}"}
        asked = self.client.post("/api/v1/auth/phone-codes", json={"phone": phone}, environ_base=device)
        assert asked.status_code == 202, asked.get_json()
        r = self.client.post("/api/v1/auth/register", environ_base=device, json={
            "name": name, "id_number": id_number, "phone": phone, "password": password,
            "code": self.sent_code(phone)})
        assert r.status_code == 201, r.get_json()
        return {**r.get_json(), "phone": phone, "password": password, "id_number": id_number}

    def login(self, username, password):
        r = self.client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert r.status_code == 200, r.get_json()
        return {"Authorization": f"Bearer {r.get_json()['access_token']}"}

    def patient(self, **kwargs):
        """Register a patient and return (account, headers)."""
        account = self.register_patient(**kwargs)
        return account, self.login(account["phone"], account["password"])

    def staff(self, role, username, **links):
        """Create a staff account directly (as the admin CLI would) and return (user id, headers)."""
        from core import accounts

        with self.app.app_context():
            user = accounts.create_staff(role, username, "staffpass1", username.title(), **links)
            user_id = user.id
            db.session.commit()
        return user_id, self.login(username, "staffpass1")

    def admin(self, username="admin"):
        return self.staff("admin", username)


@pytest.fixture()
def accounts(app, client):
    return Accounts(app, client)


@pytest.fixture(scope="session")
def live_server(app):
    """The session app served over real HTTP on a loopback port."""
    from tests.live import LiveServer

    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture()
def make_app(app):
    """Build extra apps on the test database (e.g. to add a probe route); their pools are closed after."""
    made = []

    def build(**overrides):
        other = create_app({**app.config, **overrides})
        made.append(other)
        return other

    yield build
    # create_app replaced the one Socket.IO server (Flask-SocketIO keeps one per SocketIO object): give it
    # back to the session app now, not at the next test's start, which is too late for a module-scoped
    # fixture set up first (tests/reliability/authz builds its world with the in-process socket client).
    socketio.server = app.extensions["clinic.socketio_server"]
    for other in made:
        with other.app_context():
            db.engine.dispose()
