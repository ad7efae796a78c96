"""The FHIR views: derived from the clinic tables; the Slot and Appointment views of a booking are written
just after its commit (clinic.fhir_views.outbox), so these tests drain the outbox before they read."""
from datetime import timedelta

from clinic.directory import Doctor, DoctorInstitution
from clinic.fhir_views.drainer import drain_views
from core import clock
from core.auth import SYSTEM
from core.extensions import db
from records import api as records
from tests.clinic.conftest import book


def _read(app, resource_type, resource_id):
    drain_views(app)
    with app.app_context():
        resource = records.read(SYSTEM, resource_type, resource_id)
        db.session.commit()
        return resource


def test_directory_and_booking_are_visible_as_fhir(app, client, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, clock.now() + timedelta(days=2))
    account, patient = accounts.patient()
    with app.app_context():
        doctor = db.session.get(Doctor, doctor_id)
        practitioner_id, link_id = doctor.practitioner_id, db.session.scalar(
            db.select(DoctorInstitution.id).where(DoctorInstitution.doctor_id == doctor_id))
    assert _read(app, "Organization", f"org-{inst}")["name"].startswith("Clinic")
    assert _read(app, "Location", f"loc-{inst}")["managingOrganization"]["reference"] == f"Organization/org-{inst}"
    assert _read(app, "Practitioner", practitioner_id)["name"][0]["text"].startswith("Dr")
    role = _read(app, "PractitionerRole", f"role-{link_id}")
    assert role["specialty"][0]["coding"][0]["code"] == "hypertension"
    assert _read(app, "Schedule", f"schedule-{link_id}")["actor"][0]["reference"] == f"Practitioner/{practitioner_id}"

    appt = book(client, patient, slot_id).get_json()
    fhir_appt = _read(app, "Appointment", f"appt-{appt['id']}")
    assert fhir_appt["status"] == "booked" and fhir_appt["slot"] == [{"reference": f"Slot/slot-{slot_id}"}]
    assert {"reference": f"Patient/{account['patient_id']}"} in [p["actor"] for p in fhir_appt["participant"]]
    assert _read(app, "Slot", f"slot-{slot_id}")["status"] == "busy"

    client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=patient)
    assert _read(app, "Appointment", f"appt-{appt['id']}")["status"] == "cancelled"
    assert _read(app, "Slot", f"slot-{slot_id}")["status"] == "free"
    # The patient reads their own Appointment through the FHIR API (drained by the _read above).
    r = client.get(f"/fhir/Appointment/appt-{appt['id']}", headers=patient)
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"


def test_a_failed_booking_leaves_no_fhir_trace(app, client, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, clock.now() + timedelta(days=2))
    _, first = accounts.patient()
    _, second = accounts.patient()
    book(client, first, slot_id)
    assert book(client, second, slot_id).status_code == 409
    drain_views(app)
    with app.app_context():
        found = records.search(SYSTEM, "Appointment", [("slot", f"Slot/slot-{slot_id}")])
        db.session.commit()
    assert found.total == 1 if found.total is not None else len(found.resources) == 1


def test_the_views_change_through_the_app_api_not_over_fhir(app, client, accounts, world):
    """records.derived: the booked doctor (who cares for the patient) and an admin are refused FHIR writes
    of the clinic's views, which stay as derived; booking and cancelling go on updating them."""
    inst = world.institution()
    doctor_id, doctor = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, clock.now() + timedelta(days=2))
    _, patient = accounts.patient()
    _, admin = accounts.admin()
    with app.app_context():
        practitioner_id, link_id = db.session.get(Doctor, doctor_id).practitioner_id, db.session.scalar(
            db.select(DoctorInstitution.id).where(DoctorInstitution.doctor_id == doctor_id))
    appt_id = f"appt-{book(client, patient, slot_id).get_json()['id']}"
    booked = _read(app, "Appointment", appt_id)
    assert client.get(f"/fhir/Appointment/{appt_id}", headers=doctor).status_code == 200  # the doctor cares
    body = {k: v for k, v in booked.items() if k != "meta"}
    for headers in (doctor, admin):
        refused = client.put(f"/fhir/Appointment/{appt_id}", json={**body, "status": "cancelled"}, headers=headers)
        assert refused.status_code == 403 and "/api/v1/appointments" in refused.get_json()["issue"][0]["diagnostics"]
        assert client.delete(f"/fhir/Appointment/{appt_id}", headers=headers).status_code == 403
    assert _read(app, "Appointment", appt_id) == booked
    for resource_type, resource_id in (("Organization", f"org-{inst}"), ("Location", f"loc-{inst}"),
                                       ("Practitioner", practitioner_id), ("PractitionerRole", f"role-{link_id}"),
                                       ("Schedule", f"schedule-{link_id}"), ("Slot", f"slot-{slot_id}")):
        stored = _read(app, resource_type, resource_id)
        body = {k: v for k, v in stored.items() if k != "meta"}
        assert client.put(f"/fhir/{resource_type}/{resource_id}", json=body, headers=admin).status_code == 403
        assert client.delete(f"/fhir/{resource_type}/{resource_id}", headers=admin).status_code == 403
        assert _read(app, resource_type, resource_id) == stored

    assert client.post(f"/api/v1/appointments/{appt_id[5:]}/cancel", headers=patient).status_code == 200
    assert _read(app, "Appointment", appt_id)["status"] == "cancelled"
    assert _read(app, "Slot", f"slot-{slot_id}")["status"] == "free"
