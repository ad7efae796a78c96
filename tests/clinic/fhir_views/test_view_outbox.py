"""The FHIR Slot/Appointment views of a booking go through the transactional outbox (clinic.fhir_views.outbox):
a row in the booking's transaction, the view written after the commit by the process's drainer or the
scheduler's sweep. The app API and the care relationships never wait for it."""
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic.appointments import Appointment
from clinic.fhir_views import ViewOutbox
from clinic.fhir_views import drainer as view_drainer
from clinic.fhir_views import outbox as view_outbox
from clinic.fhir_views import sync as fhir_sync
from clinic.fhir_views.drainer import drain_views
from clinic.scheduling import Slot
from core import clock
from core.auth import SYSTEM
from core.extensions import db
from core.scheduler import periodic_jobs, run_job
from records import api as records
from records.errors import FhirError
from tests.clinic.conftest import book
from tests.metrics import scrape, value


def _pending(app):
    with app.app_context():
        return sorted(db.session.execute(select(ViewOutbox.kind, ViewOutbox.key)).all())


def _view(app, resource_type, resource_id):
    """The stored view, or None when it has not been written."""
    with app.app_context():
        try:
            return records.read(SYSTEM, resource_type, resource_id)
        except FhirError:
            return None
        finally:
            db.session.commit()


def _slot(world, capacity=3):
    inst = world.institution()
    doctor_id, doctor = world.doctor([inst])
    return world.slot(doctor_id, inst, clock.now().replace(microsecond=0) + timedelta(days=2),
                      capacity=capacity), doctor


def test_a_booking_leaves_outbox_rows_and_the_drain_writes_its_views(app, client, accounts, world):
    slot_id, _ = _slot(world)
    _, patient = accounts.patient()
    appt = book(client, patient, slot_id).get_json()
    assert _pending(app) == [("appointment", appt["id"]), ("slot", slot_id)]
    assert _view(app, "Appointment", f"appt-{appt['id']}") is None
    # The app API reads the clinic's rows: strongly consistent before any drain.
    assert client.get(f"/api/v1/appointments/{appt['id']}", headers=patient).get_json()["status"] == "booked"

    assert drain_views(app) == 2
    assert _pending(app) == []
    assert _view(app, "Appointment", f"appt-{appt['id']}")["status"] == "booked"
    assert _view(app, "Slot", f"slot-{slot_id}")["comment"] == "1/3 booked"
    r = client.get(f"/fhir/Appointment/appt-{appt['id']}", headers=patient)
    assert r.status_code == 200 and r.get_json()["status"] == "booked"


def test_a_refused_booking_enqueues_nothing(app, client, accounts, world):
    slot_id, _ = _slot(world, capacity=1)
    first, second = (accounts.patient()[1] for _ in range(2))
    assert [book(client, headers, slot_id).status_code for headers in (first, second)] == [201, 409]
    assert [kind for kind, _ in _pending(app)] == ["appointment", "slot"]


def test_several_changes_of_a_slot_coalesce_into_one_write(app, client, accounts, world):
    slot_id, _ = _slot(world)
    first, second, third = (accounts.patient()[1] for _ in range(3))
    kept = book(client, first, slot_id).get_json()
    drain_views(app)
    version = _view(app, "Slot", f"slot-{slot_id}")["meta"]["versionId"]
    gone = book(client, second, slot_id).get_json()
    assert client.post(f"/api/v1/appointments/{gone['id']}/cancel", headers=second).status_code == 200
    also = book(client, third, slot_id).get_json()
    assert [kind for kind, _ in _pending(app)].count("slot") == 3

    drain_views(app)
    slot_view = _view(app, "Slot", f"slot-{slot_id}")
    assert slot_view["comment"] == "2/3 booked" and int(slot_view["meta"]["versionId"]) == int(version) + 1
    assert _view(app, "Appointment", f"appt-{kept['id']}")["status"] == "booked"
    assert _view(app, "Appointment", f"appt-{also['id']}")["status"] == "booked"
    assert _view(app, "Appointment", f"appt-{gone['id']}")["status"] == "cancelled"


def test_a_reschedule_rewrites_both_slots(app, client, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    start = clock.now().replace(microsecond=0) + timedelta(days=2)
    first, second = (world.slot(doctor_id, inst, start + timedelta(hours=h)) for h in (0, 1))
    _, patient = accounts.patient()
    appt = book(client, patient, first).get_json()
    drain_views(app)
    r = client.post(f"/api/v1/appointments/{appt['id']}/reschedule", json={"slot_id": second}, headers=patient)
    assert r.status_code == 200, r.get_json()
    drain_views(app)
    assert _view(app, "Slot", f"slot-{first}")["status"] == "free"
    assert _view(app, "Slot", f"slot-{second}")["status"] == "busy"
    assert _view(app, "Appointment", f"appt-{appt['id']}")["slot"] == [{"reference": f"Slot/slot-{second}"}]


def test_care_access_follows_the_clinic_rows_without_waiting_for_the_views(app, client, accounts, world):
    """The doctor's access to the patient's record starts with the booking's commit and ends with the
    cancel's, whatever the (lagging) FHIR Appointment view says meanwhile."""
    slot_id, doctor = _slot(world)
    account, patient = accounts.patient()
    record = f"/fhir/Patient/{account['patient_id']}"
    assert client.get(record, headers=doctor).status_code == 403
    appt = book(client, patient, slot_id).get_json()
    assert client.get(record, headers=doctor).status_code == 200  # no view written yet
    drain_views(app)
    assert client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=patient).status_code == 200
    assert _view(app, "Appointment", f"appt-{appt['id']}")["status"] == "booked"  # the view lags ...
    assert client.get(record, headers=doctor).status_code == 403  # ... access does not


@pytest.fixture()
def drainer_on(app):
    drainer = app.extensions[view_drainer.EXTENSION] = view_drainer.ViewDrainer(app)
    yield
    app.extensions.pop(view_drainer.EXTENSION)
    drainer.stop()  # nothing of this test drains during the next one


def _drained_soon(app):
    deadline = time.monotonic() + 30  # a bound for a loaded machine; it takes a few ms
    while _pending(app) and time.monotonic() < deadline:
        time.sleep(0.01)
    return _pending(app) == []


def test_with_the_drainer_on_the_views_follow_the_commit_without_anybody_draining(app, client, accounts, world,
                                                                                  drainer_on):
    slot_id, _ = _slot(world)
    _, patient = accounts.patient()
    r = book(client, patient, slot_id)
    r.close()  # what the server does once the answer is sent: the drain is arranged then
    assert r.status_code == 201 and _drained_soon(app)
    fhir = client.get(f"/fhir/Appointment/appt-{r.get_json()['id']}", headers=patient)
    assert fhir.status_code == 200 and fhir.get_json()["status"] == "booked"


def test_when_rows_pile_up_the_request_drains_them_itself_after_its_answer(app, client, accounts, world,
                                                                            drainer_on, monkeypatch):
    monkeypatch.setattr(view_drainer, "HELP_ROWS", 1)  # as if many bookings were waiting for the thread
    monkeypatch.setattr(view_drainer.ViewDrainer, "wake", lambda self: pytest.fail("the thread was woken"))
    slot_id, _ = _slot(world)
    _, patient = accounts.patient()
    r = book(client, patient, slot_id)
    assert r.status_code == 201 and len(_pending(app)) == 2  # the answer leaves before the drain ...
    r.close()  # ... which runs in the request's thread when the server closes the response
    assert _pending(app) == []


def test_a_refused_request_arranges_no_drain(app, client, accounts, world, drainer_on, monkeypatch):
    slot_id, _ = _slot(world)
    _, patient = accounts.patient()
    drains = []
    monkeypatch.setattr(view_drainer.ViewDrainer, "after_response", lambda self: drains.append(1))
    refused = client.post("/api/v1/appointments", headers=patient, json={"slot_id": slot_id, "kind": "online"})
    refused.close()
    assert refused.status_code == 422 and drains == []
    booked = book(client, patient, slot_id)
    booked.close()
    assert booked.status_code == 201 and drains == [1]


def test_a_commit_outside_a_request_wakes_the_drain_thread(app, client, accounts, world, drainer_on):
    slot_id, _ = _slot(world)
    _, patient = accounts.patient()
    appt = book(client, patient, slot_id).get_json()  # not closed: its own drain never runs
    with app.app_context():  # e.g. a CLI command that changes an appointment
        view_outbox.enqueue(appointment_ids=[appt["id"]])
        db.session.commit()
    assert _drained_soon(app) and _view(app, "Appointment", f"appt-{appt['id']}")["status"] == "booked"


def test_the_scheduler_job_drains_what_is_left_once_the_process_had_its_chance(app, client, accounts, world,
                                                                               frozen):
    frozen(clock.now())
    slot_id, _ = _slot(world)
    _, patient = accounts.patient()
    appt = book(client, patient, slot_id).get_json()
    assert "clinic.drain_fhir_views" in periodic_jobs()
    assert run_job(app, "clinic.drain_fhir_views") == 0  # fresh rows are the in-process drains' work
    frozen.advance(seconds=1)
    assert run_job(app, "clinic.drain_fhir_views") == 2
    assert _pending(app) == [] and _view(app, "Appointment", f"appt-{appt['id']}") is not None


def _two_pooled_connections(app):
    """As after any concurrent work (the drainer thread, two requests at once): the pool holds two connections
    and hands them out in turn (first in, first out), so each transaction of a drain runs on the other one."""
    with app.app_context():
        first, second = db.engine.connect(), db.engine.connect()
        first.close()
        second.close()


def test_a_row_that_cannot_be_written_stays_and_holds_up_nobody(app, client, accounts, world, monkeypatch):
    """The failing appointment is the first the drain reads (ids in order), so the failure leaves the rest of
    the drain's query unread: that must not leave the query open on its connection, where on SQLite it keeps
    the connection's read snapshot past the rollback (the next transaction there reads the past and cannot
    write: "database is locked"), until the garbage collector frees the failure's traceback."""
    _two_pooled_connections(app)
    slot_id, _ = _slot(world)
    _, first = accounts.patient()
    _, second = accounts.patient()
    bad, good = sorted(book(client, headers, slot_id).get_json()["id"] for headers in (first, second))
    real = fhir_sync.appointment_resource

    def failing(appt, practitioner_id):
        if appt.id == bad:
            raise RuntimeError("cannot build this one")
        return real(appt, practitioner_id)

    monkeypatch.setattr(fhir_sync, "appointment_resource", failing)
    drain_views(app)
    assert _view(app, "Appointment", f"appt-{good}") is not None
    assert _view(app, "Slot", f"slot-{slot_id}")["comment"] == "2/3 booked"
    with app.app_context():
        left = db.session.execute(select(ViewOutbox.kind, ViewOutbox.key, ViewOutbox.attempts)).all()
    assert left == [("appointment", bad, 1)]
    monkeypatch.setattr(fhir_sync, "appointment_resource", real)
    drain_views(app)
    assert _pending(app) == [] and _view(app, "Appointment", f"appt-{bad}")["status"] == "booked"


def test_metrics_show_the_backlog_and_its_age(app, client, accounts, world, frozen):
    frozen(clock.now())
    slot_id, _ = _slot(world)
    _, patient = accounts.patient()
    book(client, patient, slot_id)
    frozen.advance(seconds=90)
    samples = scrape(client)
    assert value(samples, "cloud_hospital_fhir_view_outbox_pending") == 2
    assert value(samples, "cloud_hospital_fhir_view_outbox_oldest_seconds") == pytest.approx(90, abs=1)
    drain_views(app)
    samples = scrape(client)
    assert value(samples, "cloud_hospital_fhir_view_outbox_pending") == 0
    assert value(samples, "cloud_hospital_fhir_view_outbox_oldest_seconds") == 0


def test_concurrent_drains_and_bookings_end_with_every_view_equal_to_its_row(app, client, accounts, world, caplog):
    """Real concurrency: clients book and cancel over the test client while two drainers run at once; the
    drains never fail on each other and the last views agree with the rows (no older view wins)."""
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    start = clock.now().replace(microsecond=0) + timedelta(days=2)
    slot_ids = [world.slot(doctor_id, inst, start + timedelta(minutes=15 * i), capacity=2) for i in range(4)]
    patients = [accounts.patient()[1] for _ in range(6)]
    stop, errors = threading.Event(), []

    def drainer():
        while not stop.is_set():
            try:
                drain_views(app)
            except Exception as error:  # noqa: BLE001 - any failure of a drain is what this test looks for
                errors.append(error)

    def patient_work(headers, n):
        local = app.test_client()
        for i in range(6):
            r = book(local, headers, slot_ids[(n + i) % len(slot_ids)])
            if r.status_code == 201 and i % 2:
                local.post(f"/api/v1/appointments/{r.get_json()['id']}/cancel", headers=headers)

    drainers = [threading.Thread(target=drainer) for _ in range(2)]
    workers = [threading.Thread(target=patient_work, args=(h, n)) for n, h in enumerate(patients)]
    for thread in drainers + workers:
        thread.start()
    for thread in workers:
        thread.join(120)
    stop.set()
    for thread in drainers:
        thread.join(120)
    drain_views(app)
    assert not errors and _pending(app) == []
    assert not [r.getMessage() for r in caplog.records if r.name == view_drainer.log.name]  # no failed batch
    with app.app_context():
        slots = dict(db.session.execute(select(Slot.id, Slot.booked).where(Slot.id.in_(slot_ids))).all())
        appts = dict(db.session.execute(select(Appointment.id, Appointment.status)).all())
        db.session.commit()
    assert len(appts) > len(patients)
    for slot_id, booked in slots.items():
        assert _view(app, "Slot", f"slot-{slot_id}")["comment"] == f"{booked}/2 booked"
    for appt_id, status in appts.items():
        assert _view(app, "Appointment", f"appt-{appt_id}")["status"] == fhir_sync.APPOINTMENT_STATUS[status]
