"""Reminders and no-shows, driven by the sweeps with a controlled clock."""
import threading
from datetime import timedelta

from sqlalchemy import func, select

from clinic.appointments import Reminder
from clinic.appointments.jobs import mark_noshows, send_reminders
from clinic.notifications import Notification
from clinic.scheduling import Slot
from core import scheduler
from core.extensions import db
from tests.clinic.conftest import at, book

T0 = at(2026, 3, 3, 0, 0)


def _run(app, job):
    with app.app_context():
        result = job()
        db.session.commit()
        return result


def _inbox(client, accounts, account):
    headers = accounts.login(account["phone"], account["password"])  # the clock moved past the token's life
    return client.get("/api/v1/notifications", headers=headers).get_json()["items"]


def test_reminders_fire_once_each_at_24h_and_1h(app, client, accounts, world, frozen):
    frozen(T0)
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    account, patient = accounts.patient()
    assert book(client, patient, world.slot(doctor_id, inst, T0 + timedelta(hours=30))).status_code == 201
    assert _run(app, send_reminders) == 0
    frozen.advance(hours=6)
    assert _run(app, send_reminders) == 1
    assert _run(app, send_reminders) == 0  # the sweep running twice sends nothing more
    inbox = _inbox(client, accounts, account)
    assert [n["kind"] for n in inbox] == ["appointment_reminder"] and inbox[0]["data"]["reminder"] == "24h"
    frozen.advance(hours=23)
    assert _run(app, send_reminders) == 1
    assert [n["data"]["reminder"] for n in _inbox(client, accounts, account)] == ["1h", "24h"]


def test_racing_sweeps_send_one_reminder(app, client, accounts, world, frozen):
    frozen(T0)
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    _, patient = accounts.patient()
    book(client, patient, world.slot(doctor_id, inst, T0 + timedelta(hours=30)))
    frozen.advance(hours=7)
    barrier, errors = threading.Barrier(4), []

    def sweep():
        barrier.wait()
        try:
            scheduler.run_job(app, "clinic.send_reminders")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
        assert db.session.scalar(select(func.count()).select_from(Reminder).where(Reminder.status == "sent")) == 1


def test_a_cancelled_appointment_is_not_reminded(app, client, accounts, world, frozen):
    frozen(T0)
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    account, patient = accounts.patient()
    appt = book(client, patient, world.slot(doctor_id, inst, T0 + timedelta(hours=30))).get_json()
    client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=patient)
    frozen.advance(hours=29, minutes=30)
    assert _run(app, send_reminders) == 0
    assert _inbox(client, accounts, account) == []


def test_reminders_survive_a_restart(app, make_app, client, accounts, world, frozen):
    frozen(T0)
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    _, patient = accounts.patient()
    book(client, patient, world.slot(doctor_id, inst, T0 + timedelta(hours=30)))
    frozen.advance(hours=6)
    restarted = make_app()  # a fresh process image: the due work is in the database
    assert _run(restarted, send_reminders) == 1


def test_noshow_after_the_grace_period_keeps_the_place(app, client, accounts, world, frozen, setting):
    setting(CLINIC_NOSHOW_GRACE_MINUTES=30)
    frozen(T0)
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    _, patient = accounts.patient()
    slot_id = world.slot(doctor_id, inst, T0 + timedelta(minutes=20))
    appt = book(client, patient, slot_id).get_json()
    frozen.advance(minutes=49)
    assert _run(app, mark_noshows) == 0
    frozen.advance(minutes=2)
    assert _run(app, mark_noshows) == 1
    assert _run(app, mark_noshows) == 0
    assert client.get(f"/api/v1/appointments/{appt['id']}", headers=patient).get_json()["status"] == "noshow"
    with app.app_context():
        assert db.session.get(Slot, slot_id).booked == 1
