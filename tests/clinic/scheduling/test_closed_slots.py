"""A schedule exception that closes a booked slot: the patient is told, and the doctor may cancel it."""
from datetime import timedelta

from clinic.fhir_views.drainer import drain_views
from clinic.scheduling import Slot
from core import clock
from tests.clinic.conftest import book


def _future(hours=72):
    return clock.now().replace(microsecond=0, second=0, minute=0) + timedelta(hours=hours)


def _inbox(client, headers, kind):
    return [n for n in client.get("/api/v1/notifications", headers=headers).get_json()["items"] if n["kind"] == kind]


def _leave(client, doctor, doctor_id, day):
    return client.post("/api/v1/schedules/exceptions", headers=doctor, json={
        "doctor_id": doctor_id, "start_date": day.isoformat(), "end_date": day.isoformat(), "reason": "conference"})


def test_leave_over_a_booked_slot_notifies_the_patient(client, accounts, world):
    inst = world.institution()
    doctor_id, doctor = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, _future())
    _, patient = accounts.patient()
    _, bystander = accounts.patient()
    appt = book(client, patient, slot_id).get_json()
    assert _inbox(client, patient, "slot_closed") == []
    r = _leave(client, doctor, doctor_id, world.get(Slot, slot_id).local_date)
    assert r.status_code == 201 and r.get_json()["flagged_slots"] == 1
    notices = _inbox(client, patient, "slot_closed")
    assert len(notices) == 1 and notices[0]["data"]["appointment_id"] == appt["id"]
    assert "conference" in notices[0]["body"] and notices[0]["data"]["slot_id"] == slot_id
    assert _inbox(client, bystander, "slot_closed") == []


def test_the_doctor_cancels_a_flagged_appointment_and_the_patient_is_told(app, client, accounts, world):
    inst = world.institution()
    doctor_id, doctor = world.doctor([inst])
    _, other_doctor = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, _future())
    _, patient = accounts.patient()
    appt = book(client, patient, slot_id).get_json()
    cancel = f"/api/v1/appointments/{appt['id']}/cancel"
    # Before any exception the doctor may not cancel a patient's booking.
    assert client.post(cancel, headers=doctor).status_code == 403
    assert _leave(client, doctor, doctor_id, world.get(Slot, slot_id).local_date).status_code == 201
    assert client.post(cancel, headers=other_doctor).status_code in (403, 404)
    r = client.post(cancel, headers=doctor)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "cancelled"
    assert world.get(Slot, slot_id).booked == 0
    told = _inbox(client, patient, "appointment_cancelled")
    assert len(told) == 1 and told[0]["data"]["appointment_id"] == appt["id"]
    drain_views(app)  # the FHIR view follows the commit through the outbox
    fhir = client.get(f"/fhir/Appointment/appt-{appt['id']}", headers=patient)
    assert fhir.status_code == 200 and fhir.get_json()["status"] == "cancelled"


def test_a_patient_cancelling_is_not_notified_of_their_own_cancellation(client, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, _future())
    _, patient = accounts.patient()
    appt = book(client, patient, slot_id).get_json()
    assert client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=patient).status_code == 200
    assert _inbox(client, patient, "appointment_cancelled") == []
