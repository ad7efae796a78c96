"""Transient database failures: a booking aborted by a deadlock or serialization failure is run again;
two first family-doctor signings at once both succeed (the later replaces the earlier), never a 500."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from clinic.appointments import Appointment, PatientBookingDay, booking
from clinic.directory import FamilyDoctorBinding
from clinic.directory import services as directory
from clinic.scheduling import Slot
from core import clock
from core.extensions import db
from tests.clinic.conftest import book
from tests.records.store.test_concurrency import race


class _DriverError(Exception):
    def __init__(self, sqlstate):
        super().__init__(f"simulated {sqlstate}")
        self.sqlstate = sqlstate


def _fail_first(monkeypatch, target, name, sqlstate, times=1):
    """Make target.name raise a database error carrying `sqlstate` on its first `times` calls."""
    original, calls = getattr(target, name), []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) <= times:
            raise OperationalError("simulated", {}, _DriverError(sqlstate))
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, failing)
    return calls


def _future():
    return clock.now().replace(microsecond=0, second=0, minute=0) + timedelta(hours=48)


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_booking_hit_by_a_deadlock_is_retried_once_and_books_once(app, client, accounts, world, monkeypatch,
                                                                     sqlstate):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, _future())
    account, patient = accounts.patient()
    # Fail after the day row was counted, so a retry that did not roll back would count it twice.
    calls = _fail_first(monkeypatch, booking, "_take_place", sqlstate)
    r = book(client, patient, slot_id)
    assert r.status_code == 201, r.get_json()
    assert len(calls) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment).where(
            Appointment.slot_id == slot_id)) == 1
        assert db.session.get(Slot, slot_id).booked == 1
        assert db.session.scalar(select(PatientBookingDay.active).where(
            PatientBookingDay.patient_id == account["patient_id"])) == 1


def test_other_database_errors_are_not_retried(app, client, accounts, world, monkeypatch):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, _future())
    _, patient = accounts.patient()
    calls = _fail_first(monkeypatch, booking, "_take_place", "23505")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        assert book(client, patient, slot_id).status_code == 500
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert len(calls) == 1


def test_concurrent_first_family_doctor_signings_do_not_collide(app, accounts, world):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("two transactions inserting the same unique key at once need row-level concurrency "
                        "(SQLite serialises writers)")
    inst = world.institution()
    first_id, _ = world.doctor([inst], is_family_doctor=True, account=False)
    second_id, _ = world.doctor([inst], is_family_doctor=True, account=False)
    account, _ = accounts.patient()
    patient_id = account["patient_id"]

    def sign(doctor_id):
        directory.bind_family_doctor(patient_id, doctor_id)

    # The first signing holds its new, uncommitted binding while the second arrives.
    outcomes = race(app, sign, first_id, second_id)
    assert outcomes == {first_id: "ok", second_id: "ok"}
    with app.app_context():
        rows = list(db.session.scalars(select(FamilyDoctorBinding).where(FamilyDoctorBinding.patient_id == patient_id)))
        assert [row.doctor_id for row in rows] == [second_id]
