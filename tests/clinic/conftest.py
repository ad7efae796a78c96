"""Clinic fixtures: a small directory built through the services, slots placed exactly where a test
needs them, patients and a doctor account with bearer headers."""
from datetime import datetime, timedelta, timezone

import pytest

from clinic.directory import services as directory
from clinic.scheduling import Slot
from core import clock
from core.extensions import db, socketio
from core.types import new_id


def at(*args):
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=timezone.utc)


class World:
    """Build directory rows and slots in the test database (committed, like an admin would)."""

    def __init__(self, app, accounts):
        self.app = app
        self.accounts = accounts
        self._n = 0

    def _next(self):
        self._n += 1
        return self._n

    def institution(self, tz="Asia/Shanghai", **extra):
        n = self._next()
        with self.app.app_context():
            row = directory.save_institution({"code": f"inst-{n}-{new_id()[:6]}", "name": f"Clinic {n}",
                                              "kind": "primary", "timezone": tz, "latitude": 29.87 + n / 100,
                                              "longitude": 121.55, **extra})
            db.session.commit()
            return row.id

    def doctor(self, institution_ids, specialties=("hypertension",), fee=2500, account=True, **extra):
        n = self._next()
        practitioner_id = f"prac-{n}-{new_id()[:8]}"
        with self.app.app_context():
            row = directory.save_doctor({"practitioner_id": practitioner_id, "name": f"Dr {n}",
                                         "specialties": list(specialties), "institution_ids": list(institution_ids),
                                         "consult_fee_fen": fee, **extra})
            db.session.commit()
            doctor_id = row.id
        headers = None
        if account:
            _, headers = self.accounts.staff("doctor", f"doctor{n}x{new_id()[:4]}", practitioner_id=practitioner_id)
        return doctor_id, headers

    def slot(self, doctor_id, institution_id, starts_at, minutes=15, capacity=1, kind="in_person",
             session="morning", local_date=None):
        with self.app.app_context():
            row = Slot(id=new_id(), doctor_id=doctor_id, institution_id=institution_id, kind=kind, session=session,
                       local_date=local_date or (starts_at + timedelta(hours=8)).date(), starts_at=starts_at,
                       ends_at=starts_at + timedelta(minutes=minutes), capacity=capacity, booked=0, held=0,
                       status="open", flagged=False)
            db.session.add(row)
            db.session.commit()
            return row.id

    def get(self, model, key):
        with self.app.app_context():
            row = db.session.get(model, key)
            db.session.expunge_all()
            return row


@pytest.fixture()
def world(app, accounts):
    return World(app, accounts)


@pytest.fixture()
def setting(app):
    """Change app config for one test."""
    saved = {}

    def set_(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield set_
    app.config.update(saved)


@pytest.fixture()
def frozen(app):
    """Set the clock: `frozen(dt)`; advance with `frozen.advance(minutes=...)`."""

    class Frozen:
        now = None

        def __call__(self, moment):
            Frozen.now = moment
            clock.set_clock(lambda: Frozen.now)
            return moment

        def advance(self, **delta):
            Frozen.now = Frozen.now + timedelta(**delta)
            return Frozen.now

    yield Frozen()
    clock.set_clock(None)


@pytest.fixture()
def session_socketio(app):
    """Point the shared SocketIO object at the session app's server (another create_app may have replaced it)."""
    saved = socketio.server
    socketio.server = app.extensions["clinic.socketio_server"]
    yield
    socketio.server = saved


def book(client, headers, slot_id, kind="in_person", **extra):
    """POST /api/v1/appointments and return the response."""
    return client.post("/api/v1/appointments", headers=headers,
                       json={"slot_id": slot_id, "kind": kind, "reason": "check-up", "channel": "app", **extra})
