"""The admin's chronic-care report through HTTP: per clinic, patients on a plan, adherence, control rate."""
from datetime import timedelta

from clinic.directory import services as directory
from core.extensions import db
from tests.clinic.careplans.conftest import enrol, measure
from tests.clinic.conftest import at, book


def test_share_on_plan_adherence_and_control_per_clinic(client, team, accounts, world):
    institution_id, doctor_id, doctor, account, patient = team
    _, admin = accounts.admin()
    controlled, uncontrolled = account, accounts.patient(name="Sun Li")
    seen_only = accounts.patient(name="He Ping")
    r = book(client, seen_only[1], world.slot(doctor_id, institution_id, at(2026, 3, 5, 1)))
    assert r.status_code == 201, r.get_json()
    with client.application.app_context():
        directory.bind_family_doctor(uncontrolled[0]["patient_id"], doctor_id)
        db.session.commit()
    assert enrol(client, doctor, controlled["patient_id"]).status_code == 201
    started = (at(2026, 3, 2) - timedelta(weeks=5)).date().isoformat()
    assert enrol(client, doctor, uncontrolled[0]["patient_id"], started_on=started).status_code == 201
    measure(client, patient, code="blood-pressure", systolic=128, diastolic=80)
    measure(client, uncontrolled[1], code="blood-pressure", systolic=152, diastolic=88)

    r = client.get("/api/v1/reports/chronic-care", headers=admin)
    assert r.status_code == 200, r.get_json()
    rows = {row["clinic"]: row for row in r.get_json()["items"]}
    hypertension = rows["hypertension"]
    assert (hypertension["chronic_patients"], hypertension["on_plan"], hypertension["share_on_plan"]) == (3, 2, 0.667)
    assert (hypertension["plans_adherent"], hypertension["adherence_rate"]) == (1, 0.5)  # the older plan missed
    assert (hypertension["measured"], hypertension["controlled"], hypertension["control_rate"]) == (2, 1, 0.5)
    assert rows["diabetes"]["on_plan"] == 0 and rows["diabetes"]["control_rate"] is None
    assert controlled["patient_id"] not in r.get_data(as_text=True)  # counts only
    assert client.get("/api/v1/reports/chronic-care", headers=doctor).status_code == 403
