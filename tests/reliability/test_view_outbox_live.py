"""Nothing in the FHIR view outbox is lost: a real gunicorn process books, commits, answers and is killed with
SIGKILL before the drains after the responses write the views (held in their CLINIC_FHIR_VIEW_GATHER_MS
wait); the process started next (as the scheduler leader, clinic.drain_fhir_views) writes every one of
them, equal to the clinic rows."""
import time

import pytest
import requests
from sqlalchemy import select

from tests.reliability import world

pytestmark = [pytest.mark.live, pytest.mark.slow]
PATIENTS = 8


def _outbox(app):
    from clinic.fhir_views import ViewOutbox
    from core.extensions import db

    with app.app_context():
        return sorted(db.session.execute(select(ViewOutbox.kind, ViewOutbox.key)).all())


def test_views_committed_before_a_sigkill_are_written_by_the_next_process(app, servers):
    slot_ids = world.slots(app, PATIENTS, doctors=PATIENTS)
    patients = world.patients(app, PATIENTS)
    # Each request drains after its response, but waits 10 minutes first: the kill lands between the
    # commit (and the 201) and the materialisation.
    server = servers(CLINIC_FHIR_VIEW_GATHER_MS="600000")
    booked = {}
    for slot_id, (_, token) in zip(slot_ids, patients):
        r = requests.post(f"{server.url}/api/v1/appointments", headers={"Authorization": f"Bearer {token}"},
                          json={"slot_id": slot_id, "kind": "in_person", "channel": "app"}, timeout=30)
        assert r.status_code == 201, r.text
        booked[r.json()["id"]] = (slot_id, token)
    assert _outbox(app) == sorted([("appointment", a) for a in booked] + [("slot", s) for s in slot_ids])
    server.kill()

    server.env.update(CLINIC_FHIR_VIEW_GATHER_MS="20", SCHEDULER_AUTOSTART="true")
    server.start()
    seen, deadline = {}, time.monotonic() + 90  # leader lock, first run after 1 s: a bound for a busy box
    while len(seen) < len(booked) and time.monotonic() < deadline:
        for appt_id, (_, token) in booked.items():
            r = requests.get(f"{server.url}/fhir/Appointment/appt-{appt_id}",
                             headers={"Authorization": f"Bearer {token}"}, timeout=30)
            if r.status_code == 200:
                seen[appt_id] = r.json()
        time.sleep(0.2)
    assert set(seen) == set(booked), server.output()
    for appt_id, view in seen.items():
        assert view["status"] == "booked" and view["slot"] == [{"reference": f"Slot/slot-{booked[appt_id][0]}"}]
    deadline = time.monotonic() + 30
    while _outbox(app) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _outbox(app) == []
    token = patients[0][1]
    for slot_id in slot_ids:
        r = requests.get(f"{server.url}/fhir/Slot/slot-{slot_id}", headers={"Authorization": f"Bearer {token}"},
                         timeout=30)
        assert r.status_code == 200 and r.json()["comment"] == "1/1 booked"
