"""Timed work across crashes: the reminder sweep killed in the middle of its run (SIGKILL), then run again
by two processes at once, sends every reminder exactly once; a killed scheduler process's successor
takes the leader lock and finds each job once in the database job store."""
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.clinic.consult.procs import ROOT
from tests.reliability import world

pytestmark = [pytest.mark.live, pytest.mark.slow]
PATIENTS, EACH = 8, 3


def _book_all(app, client):
    """PATIENTS x EACH appointments (each patient one per time step); returns the earliest start."""
    slot_ids = world.slots(app, PATIENTS * EACH, doctors=PATIENTS)
    for i, (_, token) in enumerate(world.patients(app, PATIENTS)):
        for step in range(EACH):
            r = client.post("/api/v1/appointments", headers={"Authorization": f"Bearer {token}"},
                            json={"slot_id": slot_ids[step * PATIENTS + i], "kind": "in_person", "channel": "app"})
            assert r.status_code == 201, r.get_json()
            if not (i or step):
                first = r.get_json()["starts_at"]
    return datetime.fromisoformat(first)


def _reminders(app):
    from clinic.appointments import Reminder
    from clinic.notifications import Notification
    from core.extensions import db

    with app.app_context():
        states = [s for s in db.session.scalars(select(Reminder.status))]
        sent = [json.loads(d) for d in db.session.scalars(
            select(Notification.data).where(Notification.kind == "appointment_reminder"))]
    return states, sent


def test_a_reminder_run_killed_midway_then_raced_sends_each_reminder_once(app, client, job_process):
    first_start = _book_all(app, client)
    at = first_start - timedelta(minutes=30)  # both reminders (24 h and 1 h before) are due for every appointment
    due = PATIENTS * EACH * 2

    crashed = job_process("clinic.send_reminders", at=at, slow="clinic.appointments.reminders:notify_user=0.05")
    crashed.wait_for_steps(due // 3)
    crashed.kill()
    states, sent = _reminders(app)
    assert states == ["pending"] * due and sent == []  # the killed run left nothing half-done

    racers = [job_process("clinic.send_reminders", at=at) for _ in range(2)]  # a restarted leader and a stray one
    assert sum(int(job.result()) for job in racers) == due
    states, sent = _reminders(app)
    assert states == ["sent"] * due
    assert len(sent) == due
    assert len({(n["appointment_id"], n["reminder"]) for n in sent}) == due  # each reminder once


def _scheduler(app, log):
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": "", "FLASK_APP": "wsgi",
           "SECRET_KEY": app.config["SECRET_KEY"], "INSTANCE_PATH": app.instance_path, "LOG_LEVEL": "INFO"}
    return subprocess.Popen([sys.executable, "-m", "flask", "scheduler", "run"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for_leader(path, count, timeout=30):
    deadline = time.monotonic() + timeout
    while path.read_text().count("scheduler leader") < count:
        assert time.monotonic() < deadline, path.read_text()[-2000:]
        time.sleep(0.2)


def test_a_killed_scheduler_is_replaced_and_its_jobs_are_stored_once(app, tmp_path):
    from core.extensions import db
    from core.scheduler import periodic_jobs

    path = tmp_path / "scheduler.log"
    with open(path, "wb") as log:
        first = _scheduler(app, log)
        try:
            _wait_for_leader(path, 1)
            os.killpg(first.pid, 9)  # a crash: no unlock, no shutdown of the scheduler
            first.wait(10)
            second = _scheduler(app, log)
            try:
                _wait_for_leader(path, 2)  # the lock died with the process: the successor leads at once
                with app.app_context():
                    rows = db.session.execute(db.text("SELECT id FROM apscheduler_jobs")).scalars().all()
            finally:
                second.terminate()
                second.wait(20)
        finally:
            if first.poll() is None:
                first.kill()
    assert sorted(rows) == sorted(periodic_jobs())
