"""The appointment state machine over the API, and the queue: numbers, positions, estimates."""
from datetime import timedelta

from clinic.appointments.jobs import mark_noshows
from core.extensions import db
from tests.clinic.conftest import at, book

T0 = at(2026, 3, 3, 0, 0)  # 08:00 Shanghai


def _act(client, headers, appt_id, action):
    return client.post(f"/api/v1/appointments/{appt_id}/{action}", headers=headers)


def test_every_illegal_transition_is_409(app, client, accounts, world, frozen):
    frozen(T0)
    inst = world.institution()
    doctor_id, doctor = world.doctor([inst])
    patients = [accounts.patient()[1] for _ in range(6)]
    gone = book(client, patients[5], world.slot(doctor_id, inst, T0 + timedelta(minutes=10))).get_json()["id"]
    frozen.advance(minutes=45)
    with app.app_context():
        assert mark_noshows() == 1
        db.session.commit()
    base = frozen.now
    ids = [book(client, patients[i], world.slot(doctor_id, inst, base + timedelta(minutes=15 * (i + 1)))).get_json()["id"]
           for i in range(4)]
    cancelled = book(client, patients[4], world.slot(doctor_id, inst, base + timedelta(hours=5))).get_json()["id"]
    assert _act(client, patients[4], cancelled, "cancel").status_code == 200
    booked, checked_in, consulting, fulfilled = ids
    for appt_id, patient in ((checked_in, patients[1]), (consulting, patients[2]), (fulfilled, patients[3])):
        assert _act(client, patient, appt_id, "check-in").status_code == 200
    assert _act(client, doctor, consulting, "call").status_code == 200
    assert _act(client, doctor, fulfilled, "call").status_code == 200
    assert _act(client, doctor, fulfilled, "finish").status_code == 200

    illegal = {booked: ("call", "finish"), checked_in: ("check-in", "cancel", "finish", "reschedule"),
               consulting: ("check-in", "call", "cancel", "reschedule"),
               fulfilled: ("check-in", "call", "finish", "cancel", "reschedule"),
               cancelled: ("check-in", "call", "finish", "cancel", "reschedule"),
               gone: ("check-in", "call", "finish", "cancel", "reschedule")}
    owner = {booked: patients[0], checked_in: patients[1], consulting: patients[2], fulfilled: patients[3],
             cancelled: patients[4], gone: patients[5]}
    spare = world.slot(doctor_id, inst, base + timedelta(hours=6))
    for appt_id, actions in illegal.items():
        for action in actions:
            headers = doctor if action in ("call", "finish") else owner[appt_id]
            if action == "reschedule":
                r = client.post(f"/api/v1/appointments/{appt_id}/reschedule", headers=headers, json={"slot_id": spare})
            else:
                r = _act(client, headers, appt_id, action)
            assert r.status_code == 409, (action, r.get_json())
            assert r.get_json()["code"] == "illegal_transition"


def test_check_in_window(client, accounts, world, frozen, setting):
    setting(CLINIC_CHECKIN_OPENS_MINUTES=60)
    frozen(T0)
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    _, patient = accounts.patient()
    appt = book(client, patient, world.slot(doctor_id, inst, T0 + timedelta(hours=3))).get_json()
    r = _act(client, patient, appt["id"], "check-in")
    assert r.status_code == 409 and r.get_json()["code"] == "check_in_closed"
    frozen.advance(hours=2, minutes=30)
    assert _act(client, patient, appt["id"], "check-in").status_code == 200


def test_queue_positions_and_estimates_follow_the_doctor(client, accounts, world, frozen):
    frozen(T0)
    inst = world.institution()
    doctor_id, doctor = world.doctor([inst])
    _, other_doctor = world.doctor([inst])
    patients = [accounts.patient()[1] for _ in range(3)]
    appts = [book(client, p, world.slot(doctor_id, inst, T0 + timedelta(minutes=30 + 15 * i))).get_json()["id"]
             for i, p in enumerate(patients)]
    checked = [_act(client, p, a, "check-in").get_json() for p, a in zip(patients, appts)]
    assert [c["queue_number"] for c in checked] == [1, 2, 3]

    def queue(i):
        return client.get(f"/api/v1/appointments/{appts[i]}/queue", headers=patients[i]).get_json()

    assert [(queue(i)["position"], queue(i)["estimated_wait_minutes"]) for i in range(3)] == [(1, 0), (2, 15), (3, 30)]
    assert _act(client, other_doctor, appts[0], "call").status_code == 404  # not their patient
    assert _act(client, doctor, appts[0], "call").status_code == 200
    frozen.advance(minutes=5)
    assert queue(0)["position"] == 0
    assert [(queue(i)["position"], queue(i)["estimated_wait_minutes"]) for i in (1, 2)] == [(1, 10), (2, 25)]
    frozen.advance(minutes=5)
    assert _act(client, doctor, appts[0], "finish").status_code == 200
    assert _act(client, doctor, appts[1], "call").status_code == 200
    assert (queue(2)["position"], queue(2)["estimated_wait_minutes"]) == (1, 15)
    done = client.get(f"/api/v1/appointments/{appts[0]}", headers=patients[0]).get_json()
    assert done["status"] == "fulfilled" and done["called_at"] and done["finished_at"]


def test_estimates_learn_from_measured_durations(client, accounts, world, frozen):
    frozen(T0)
    inst = world.institution()
    doctor_id, doctor = world.doctor([inst])
    patients = [accounts.patient()[1] for _ in range(5)]
    appts = [book(client, p, world.slot(doctor_id, inst, T0 + timedelta(minutes=30 + 5 * i))).get_json()["id"]
             for i, p in enumerate(patients)]
    for p, a in zip(patients, appts):
        assert _act(client, p, a, "check-in").status_code == 200
    for a in appts[:3]:  # three 6-minute consultations
        _act(client, doctor, a, "call")
        frozen.advance(minutes=6)
        _act(client, doctor, a, "finish")
    last = client.get(f"/api/v1/appointments/{appts[4]}/queue", headers=patients[4]).get_json()
    assert (last["position"], last["estimated_wait_minutes"]) == (2, 6)


def test_doctor_day_list(client, accounts, world, frozen):
    frozen(T0)
    inst = world.institution()
    doctor_id, doctor = world.doctor([inst])
    names = ["Zhao Lei", "Qian Yu"]
    for i in range(2):
        _, p = accounts.patient(name=names[i])
        book(client, p, world.slot(doctor_id, inst, T0 + timedelta(minutes=30 + 15 * i)))
    _, p = accounts.patient()
    book(client, p, world.slot(doctor_id, inst, T0 + timedelta(days=1, minutes=30)))
    day = client.get("/api/v1/appointments?date=2026-03-03", headers=doctor).get_json()["items"]
    assert len(day) == 2 and all(a["doctor"]["id"] == doctor_id for a in day)
    # who each patient is: name, sex and age on the day (registered born 1980-05-17)
    assert [(a["patient"]["name"], a["patient"]["age"], a["patient"]["birth_date"]) for a in day] == [
        ("Zhao Lei", 45, "1980-05-17"), ("Qian Yu", 45, "1980-05-17")]
    assert all(a["patient"]["sex"] in ("male", "female") for a in day)
    assert len(client.get("/api/v1/appointments", headers=doctor).get_json()["items"]) == 3
