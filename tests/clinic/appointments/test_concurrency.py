"""Real concurrent clients over HTTP against the live server: the database decides, nobody double books.

SQLite: booking transactions start with BEGIN IMMEDIATE (core.transaction.begin_write), so they queue
on the write lock (busy timeout 30 s) instead of failing with "database is locked".
"""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from clinic.appointments import Appointment
from clinic.scheduling import Slot
from core import clock
from core.extensions import db

pytestmark = [pytest.mark.live, pytest.mark.slow]
PATIENTS, SLOTS = 200, 50


def _setup(app, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    start = clock.now().replace(microsecond=0, second=0, minute=0) + timedelta(days=2)
    slot_ids = [world.slot(doctor_id, inst, start + timedelta(minutes=15 * i)) for i in range(SLOTS)]
    patients = [accounts.patient()[1] for _ in range(PATIENTS)]
    return slot_ids, patients


def _race(url, jobs, threads):
    """Run every (headers, body) job at once (behind a barrier); return [(status, mimetype, body bytes)]."""
    barrier = threading.Barrier(len(jobs))

    def send(job):
        headers, body = job
        with requests.Session() as session:
            # Open the keep-alive connection first: 400 simultaneous connects would overflow the
            # test server's listen backlog, which says nothing about booking.
            session.get(f"{url}/healthz", timeout=60)
            barrier.wait(timeout=120)
            for attempt in range(3):
                try:
                    r = session.post(f"{url}/api/v1/appointments", json=body, headers=headers, timeout=120)
                    break
                except requests.ConnectionError:
                    # Only requests with an Idempotency-Key may be retried blindly (as a client would).
                    if "Idempotency-Key" not in headers or attempt == 2:
                        raise
            return r.status_code, r.headers.get("Content-Type", "").split(";")[0], r.content

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(send, jobs))


def _count(app):
    with app.app_context():
        booked = db.session.scalar(select(func.count()).select_from(Appointment).where(Appointment.status == "booked"))
        over = db.session.scalar(select(func.count()).select_from(Slot).where(Slot.booked > Slot.capacity))
        per_slot = db.session.scalar(select(func.max(Slot.booked)))
        return booked, over, per_slot


def test_200_patients_race_for_50_slots(app, live_server, accounts, world):
    slot_ids, patients = _setup(app, accounts, world)
    jobs = [(patients[i], {"slot_id": slot_ids[i % SLOTS], "kind": "in_person", "channel": "app"})
            for i in range(PATIENTS)]
    results = _race(live_server.url, jobs, PATIENTS)
    statuses = [status for status, _, _ in results]
    print(f"\nrace: {statuses.count(201)} booked, {statuses.count(409)} refused (409), "
          f"{sum(s >= 500 for s in statuses)} server errors")
    assert statuses.count(201) == SLOTS
    assert statuses.count(409) == PATIENTS - SLOTS
    assert all(mime == "application/problem+json" for status, mime, _ in results if status == 409)
    assert all(b"slot_full" in body for status, _, body in results if status == 409)
    assert _count(app) == (SLOTS, 0, 1)


def test_duplicate_requests_with_one_idempotency_key_book_once(app, live_server, accounts, world):
    slot_ids, patients = _setup(app, accounts, world)
    jobs = []
    for i in range(PATIENTS):
        headers = {**patients[i], "Idempotency-Key": f"race-{i}"}
        body = {"slot_id": slot_ids[i % SLOTS], "kind": "in_person", "channel": "app"}
        jobs += [(headers, body), (headers, body)]  # the same request twice, concurrently
    results = _race(live_server.url, jobs, len(jobs))
    statuses = [status for status, _, _ in results]
    print(f"\nidempotent race: {statuses.count(201)} answers 201, {statuses.count(409)} answers 409, "
          f"{sum(s >= 500 for s in statuses)} server errors")
    assert not [s for s in statuses if s not in (201, 409)]
    for i in range(PATIENTS):
        assert results[2 * i] == results[2 * i + 1], (i, results[2 * i], results[2 * i + 1])
    assert statuses.count(201) == 2 * SLOTS
    assert _count(app) == (SLOTS, 0, 1)
