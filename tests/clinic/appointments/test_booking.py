"""Booking through the API: capacity, conflicts, daily limit, cut-off, reschedule atomicity, idempotency."""
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import func, select

from clinic.appointments import Appointment, PatientBookingDay
from clinic.scheduling import Slot
from core import clock
from core.extensions import db
from tests.clinic.conftest import book
from tests.clinic.risk.helpers import eligible_patient


def _future(hours=48):
    return clock.now().replace(microsecond=0, second=0, minute=0) + timedelta(hours=hours)


def test_a_patient_books_a_slot_and_gets_fee_and_slot_back(client, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst], fee=3000)
    slot_id = world.slot(doctor_id, inst, _future())
    _, patient = accounts.patient()
    r = book(client, patient, slot_id)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["status"] == "booked" and body["fee_fen"] == 3000
    assert body["slot"]["id"] == slot_id and body["slot"]["booked"] == 1 and body["doctor"]["id"] == doctor_id
    assert body["starts_at"].endswith("+00:00") and len(body["id"]) == 32
    assert client.get(f"/api/v1/appointments/{body['id']}", headers=patient).status_code == 200


def test_a_full_slot_answers_409_problem(client, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, _future())
    _, first = accounts.patient()
    _, second = accounts.patient()
    assert book(client, first, slot_id).status_code == 201
    r = book(client, second, slot_id)
    assert r.status_code == 409 and r.mimetype == "application/problem+json"
    assert r.get_json()["code"] == "slot_full"
    # The slot list no longer offers it.
    listed = client.get(f"/api/v1/slots?doctor_id={doctor_id}", headers=first).get_json()["items"]
    assert slot_id not in [s["id"] for s in listed]


def test_overlapping_appointments_are_refused(client, accounts, world):
    inst = world.institution()
    a, _ = world.doctor([inst])
    b, _ = world.doctor([inst])
    start = _future()
    first = world.slot(a, inst, start, minutes=30)
    overlapping = world.slot(b, inst, start + timedelta(minutes=15), minutes=30)
    later = world.slot(b, inst, start + timedelta(minutes=30), minutes=30)
    _, patient = accounts.patient()
    assert book(client, patient, first).status_code == 201
    r = book(client, patient, overlapping)
    assert r.status_code == 409 and r.get_json()["code"] == "conflicting_appointment"
    assert book(client, patient, later).status_code == 201


def test_daily_limit(client, accounts, world, setting):
    setting(CLINIC_MAX_APPOINTMENTS_PER_DAY=2)
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    # Noon in Asia/Shanghai two days ahead: the three slots share a local day at whatever hour the test runs.
    start = datetime.combine((clock.now() + timedelta(hours=8)).date() + timedelta(days=2), time(4), tzinfo=timezone.utc)
    slots = [world.slot(doctor_id, inst, start + timedelta(minutes=30 * i)) for i in range(3)]
    _, patient = accounts.patient()
    assert [book(client, patient, s).status_code for s in slots[:2]] == [201, 201]
    r = book(client, patient, slots[2])
    assert r.status_code == 409 and r.get_json()["code"] == "daily_limit_reached"


def test_kind_must_match_the_slot_and_unknown_slot_is_404(app, client, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, _future(), kind="online")
    _, patient = eligible_patient(app, client, accounts)
    assert book(client, patient, slot_id, kind="in_person").status_code == 422
    assert book(client, patient, "nope").status_code == 404
    assert book(client, patient, slot_id, kind="online", complaint_code="I10").status_code == 201


def test_past_slots_cannot_be_booked(client, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, clock.now() - timedelta(minutes=5))
    _, patient = accounts.patient()
    assert book(client, patient, slot_id).get_json()["code"] == "slot_in_past"


def test_only_patients_book(client, accounts, world):
    inst = world.institution()
    doctor_id, doctor = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, _future())
    assert book(client, doctor, slot_id).status_code == 403


def test_cancel_frees_the_place_and_the_day(app, client, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, _future())
    _, patient = accounts.patient()
    appt = book(client, patient, slot_id).get_json()
    r = client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=patient)
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    with app.app_context():
        assert db.session.get(Slot, slot_id).booked == 0
        assert db.session.scalar(select(func.sum(PatientBookingDay.active))) == 0
    _, other = accounts.patient()
    assert book(client, other, slot_id).status_code == 201
    # Cancelling twice is an illegal transition.
    assert client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=patient).status_code == 409


def test_cancellation_cut_off(client, accounts, world, setting):
    setting(CLINIC_CANCEL_CUTOFF_MINUTES=120)
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    soon = world.slot(doctor_id, inst, clock.now() + timedelta(minutes=90))
    later = world.slot(doctor_id, inst, clock.now() + timedelta(minutes=180))
    _, patient = accounts.patient()
    near = book(client, patient, soon).get_json()
    far = book(client, patient, later).get_json()
    r = client.post(f"/api/v1/appointments/{near['id']}/cancel", headers=patient)
    assert r.status_code == 409 and r.get_json()["code"] == "cutoff_passed"
    assert client.post(f"/api/v1/appointments/{far['id']}/cancel", headers=patient).status_code == 200
    _, admin = accounts.admin()
    assert client.post(f"/api/v1/appointments/{near['id']}/cancel", headers=admin).status_code == 200


def test_reschedule_moves_the_booking(app, client, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    old = world.slot(doctor_id, inst, _future())
    new = world.slot(doctor_id, inst, _future(72))
    _, patient = accounts.patient()
    appt = book(client, patient, old).get_json()
    r = client.post(f"/api/v1/appointments/{appt['id']}/reschedule", headers=patient, json={"slot_id": new})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["id"] == appt["id"] and r.get_json()["slot"]["id"] == new
    with app.app_context():
        assert (db.session.get(Slot, old).booked, db.session.get(Slot, new).booked) == (0, 1)


def test_reschedule_to_a_full_slot_leaves_the_old_booking_intact(app, client, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    old = world.slot(doctor_id, inst, _future())
    full = world.slot(doctor_id, inst, _future(72))
    _, patient = accounts.patient()
    _, other = accounts.patient()
    appt = book(client, patient, old).get_json()
    assert book(client, other, full).status_code == 201
    r = client.post(f"/api/v1/appointments/{appt['id']}/reschedule", headers=patient, json={"slot_id": full})
    assert r.status_code == 409 and r.get_json()["code"] == "slot_full"
    with app.app_context():
        kept = db.session.get(Appointment, appt["id"])
        assert (kept.slot_id, kept.status) == (old, "booked")
        assert (db.session.get(Slot, old).booked, db.session.get(Slot, full).booked) == (1, 1)


def test_idempotency_key_replays_the_first_answer(app, client, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, _future())
    taken = world.slot(doctor_id, inst, _future(72))
    _, patient = accounts.patient()
    _, other = accounts.patient()
    assert book(client, other, taken).status_code == 201
    headers = {**patient, "Idempotency-Key": "k-1"}
    first, second = book(client, headers, slot_id), book(client, headers, slot_id)
    assert first.status_code == second.status_code == 201
    assert first.get_data() == second.get_data() and second.headers["Idempotent-Replayed"] == "true"
    # A failed request is replayed too (same problem, same request id), and a reused key with another body is refused.
    failed = [book(client, {**patient, "Idempotency-Key": "k-2"}, taken) for _ in range(2)]
    assert [f.status_code for f in failed] == [409, 409] and failed[0].get_data() == failed[1].get_data()
    assert book(client, headers, taken).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 2
