"""`flask seed demo` loads the Ningbo directory: doctor.wang is a hypertension doctor with slots."""
from sqlalchemy import func, select

from clinic.directory import Doctor
from clinic.scheduling import ScheduleTemplate, Slot
from core.extensions import db


def test_demo_directory(app, runner, client, accounts):
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    headers = accounts.login("doctor.wang", "doctor123")
    me = client.get("/api/v1/me", headers=headers).get_json()
    with app.app_context():
        doctor = db.session.scalar(select(Doctor).where(Doctor.practitioner_id == me["practitioner_id"]))
        assert "hypertension" in doctor.specialties and len(doctor.institution_ids) == 2
        assert db.session.scalar(select(func.count()).select_from(ScheduleTemplate)) >= 8
        assert db.session.scalar(select(func.count()).select_from(Slot).where(Slot.doctor_id == doctor.id)) > 50
    patient = accounts.login("13800000001", "patient123")
    doctors = client.get("/api/v1/doctors?specialty=hypertension&online=true", headers=patient).get_json()["items"]
    assert "demo-practitioner-1" in [d["practitioner_id"] for d in doctors]
    assert all("hypertension" in d["specialties"] for d in doctors)
    assert client.get(f"/api/v1/slots?doctor_id={doctor.id}&kind=online", headers=patient).get_json()["items"]
