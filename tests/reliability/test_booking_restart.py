"""A crash in the middle of a booking burst: the server is killed with SIGKILL while many clients book
with an Idempotency-Key, started again, and the clients retry with the same key. Afterwards every 201
has its appointment, no appointment exists that no 201 announced, every slot's count matches its rows,
and a key replays its first answer."""
import random
import threading
import time

import pytest
import requests
from sqlalchemy import func, select

from tests.reliability import world

pytestmark = [pytest.mark.live, pytest.mark.slow]
CLIENTS, STEPS, DOCTORS, CAPACITY = 16, 10, 6, 2
RETRYABLE = {502, 503, 504}


def _book(url, token, slot_id, key, deadline, log):
    """POST until a final answer, retrying with the same key through the crash; returns (status, body)."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    while time.monotonic() < deadline:
        try:
            r = requests.post(f"{url}/api/v1/appointments", headers=headers, timeout=20,
                              json={"slot_id": slot_id, "kind": "in_person", "channel": "app"})
        except requests.RequestException:
            log.append(key)
            time.sleep(0.1)
            continue
        if r.status_code in RETRYABLE or (r.status_code == 409 and r.json()["code"] == "request_in_progress"):
            log.append(key)
            time.sleep(0.1)
            continue
        return r.status_code, r.json()
    raise AssertionError(f"no final answer for {key}")


def test_no_booking_is_lost_or_doubled_across_a_crash(app, servers):
    slot_ids = world.slots(app, STEPS * DOCTORS, capacity=CAPACITY, doctors=DOCTORS)
    patients = world.patients(app, CLIENTS)
    server = servers(CLINIC_MAX_APPOINTMENTS_PER_DAY="1000")
    answers, retried, created = {}, [], threading.Semaphore(0)
    deadline = time.monotonic() + 90

    def client(n, token):
        rng = random.Random(n)
        for step in range(STEPS):  # one slot per time step (one patient cannot be in two places)
            slot_id = slot_ids[step * DOCTORS + rng.randrange(DOCTORS)]
            key = f"c{n}-s{step}"
            answers[key] = (token, slot_id, *_book(server.url, token, slot_id, key, deadline, retried))
            if answers[key][2] == 201:
                created.release()

    threads = [threading.Thread(target=client, args=(n, token)) for n, (_, token) in enumerate(patients)]
    for thread in threads:
        thread.start()
    for _ in range(CLIENTS * STEPS // 4):  # a quarter of the burst is through: crash
        assert created.acquire(timeout=60), "the burst did not get going"
    server.kill()
    time.sleep(0.5)  # clients meet a dead port for a moment
    server.start()
    for thread in threads:
        thread.join(100)
    assert len(answers) == CLIENTS * STEPS
    assert retried, "the crash did not hit a request in flight"

    statuses = {status for _, _, status, _ in answers.values()}
    assert statuses <= {201, 409}, statuses  # booked, or slot full: never an error
    announced = {body["id"] for _, _, status, body in answers.values() if status == 201}
    from clinic.appointments import Appointment
    from clinic.scheduling import Slot
    from core.extensions import db

    with app.app_context():
        stored = set(db.session.scalars(select(Appointment.id).where(Appointment.status == "booked")))
        counts = dict(db.session.execute(select(Appointment.slot_id, func.count()).group_by(Appointment.slot_id)).all())
        booked = dict(db.session.execute(select(Slot.id, Slot.booked).where(Slot.id.in_(slot_ids))).all())
    assert stored == announced  # nothing lost, nothing booked twice or behind a client's back
    assert {s: n for s, n in booked.items() if n} == counts
    assert max(booked.values()) <= CAPACITY

    for key in random.Random(0).sample(sorted(k for k in answers if answers[k][2] == 201), 10):
        token, slot_id, _, body = answers[key]
        r = requests.post(f"{server.url}/api/v1/appointments", timeout=20, json={
            "slot_id": slot_id, "kind": "in_person", "channel": "app"},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
        assert r.status_code == 201 and r.json()["id"] == body["id"]
        assert r.headers["Idempotent-Replayed"] == "true"
