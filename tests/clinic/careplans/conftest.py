"""A doctor with a hypertension/diabetes practice and a patient signed with them as family doctor."""
from datetime import datetime, timezone

import pytest

from clinic.directory import services as directory
from core.extensions import db


@pytest.fixture()
def team(app, world, accounts, frozen):
    """(institution id, doctor id, doctor headers, patient account, patient headers), clock at a fixed Monday."""
    frozen(datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))  # 10:00 in Shanghai
    institution_id = world.institution()
    doctor_id, doctor = world.doctor([institution_id], specialties=("hypertension", "diabetes"), is_family_doctor=True)
    account, patient = accounts.patient()
    with app.app_context():
        directory.bind_family_doctor(account["patient_id"], doctor_id)
        db.session.commit()
    return institution_id, doctor_id, doctor, account, patient


def enrol(client, doctor, patient_id, template="hypertension", **extra):
    return client.post("/api/v1/care-plans", headers=doctor, json={"patient_id": patient_id, "template": template,
                                                                   **extra})


def measure(client, patient, **body):
    return client.post("/api/v1/measurements", headers=patient, json=body)
