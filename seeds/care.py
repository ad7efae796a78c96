"""Chronic care in the demo: Zhang Wei on Dr Wang's hypertension plan and Chen Jing on a diabetes plan, each
with four months of home readings; an HbA1c ordered, booked and reported (high) and a lipid panel booked; a nurse
at the Baiyun centre with one completed home visit and one assigned. Made through the services as the people
themselves would; skipped when Zhang Wei already has a plan (idempotent)."""
from datetime import timedelta

from sqlalchemy import select

from clinic.careplans import CarePlan
from clinic.careplans import services as careplans
from clinic.directory import Doctor, Institution
from clinic.directory import services as directory
from clinic.inspections import services as inspections
from clinic.measurements import services as measurements
from clinic.nursing import services as nursing
from core import clock
from core.auth import actor_for
from core.extensions import db
from core.models import User

WEEKS = 17  # about four months of readings
BAIYUN = (29.8700, 121.5250)


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def _readings(patient, kind, started, values):
    """Two readings a week from `started` (Monday and Thursday mornings, 07:30 Beijing time)."""
    for week in range(WEEKS):
        for n, day in enumerate((0, 3)):
            at = started + timedelta(days=7 * week + day, hours=-0.5)
            if at >= clock.now():
                return
            body = {"code": kind, "measured_at": at, "method": "device-automatic", **values(week, n)}
            body["device"] = "Omron HEM-7136" if kind == "blood-pressure" else "Accu-Chek Guide"
            measurements.record_measurement(patient, body)


def load_care():
    """Create the chronic-care demo records; returns how many top-level things were made (0 when present)."""
    wang, zhang, chen, liu = (_user(name) for name in ("doctor.wang", "13800000001", "13800000002", "13800000003"))
    if db.session.scalar(select(CarePlan.id).where(CarePlan.patient_id == zhang.patient_id)):
        return 0
    doctor_id = db.session.scalar(select(Doctor.id).where(Doctor.practitioner_id == wang.practitioner_id))
    for patient in (zhang, chen):
        directory.bind_family_doctor(patient.patient_id, doctor_id)
    doctor = actor_for(wang)
    now = clock.now()
    started = (now - timedelta(weeks=WEEKS)).date()
    first_morning = clock.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=(now.date() - started).days)
    careplans.enrol(doctor, {"patient_id": zhang.patient_id, "template": "hypertension", "started_on": started})
    careplans.enrol(doctor, {"patient_id": chen.patient_id, "template": "diabetes", "started_on": started})
    _readings(actor_for(zhang), "blood-pressure", first_morning,
              lambda week, n: {"systolic": 158 - week * 1.6 + 3 * n, "diastolic": 96 - week * 0.7 + n})
    _readings(actor_for(chen), "glucose", first_morning,
              lambda week, n: {"value": round(9.8 - week * 0.15 + 0.4 * n, 1)})
    made = 2 + _inspections(doctor, zhang, chen) + _nursing(zhang, liu)
    return made


def _inspections(doctor, zhang, chen):
    second = db.session.scalar(select(Institution.id).where(Institution.code == "NB-YZ-SECOND"))
    baiyun = db.session.scalar(select(Institution.id).where(Institution.code == "NB-HS-BAIYUN"))
    for institution_id in (second, baiyun):
        for test in ("hba1c", "lipid-panel", "fasting-glucose"):
            inspections.save_offer({"institution_id": institution_id, "test": test, "daily_capacity": 20})
    today = clock.now().date() + timedelta(days=1)
    hba1c = inspections.order_test(doctor, {"patient_id": chen.patient_id, "test": "hba1c",
                                            "reason": "diabetes follow-up"})
    inspections.book(actor_for(chen), hba1c, second, today)
    inspections.report(doctor, hba1c, {"results": [{"code": "4548-4", "value": 7.4}]})
    lipids = inspections.order_test(doctor, {"patient_id": zhang.patient_id, "test": "lipid-panel",
                                             "reason": "hypertension: cardiovascular risk"})
    inspections.book(actor_for(zhang), lipids, baiyun, today)
    return 2


def _nursing(zhang, liu):
    """Nurse Sun at the Baiyun centre: Zhang Wei's post-discharge check done today, Liu Yang's wound care
    tomorrow."""
    baiyun = db.session.scalar(select(Institution.id).where(Institution.code == "NB-HS-BAIYUN"))
    sun = _user("nurse.sun")
    nursing.save_nurse({"user_id": sun.id, "institution_id": baiyun})
    start = clock.now() + timedelta(hours=1)
    done = nursing.request_service(actor_for(zhang), {
        "service": "post-discharge-check", "address": "宁波市海曙区中山西路 12 号 12 Zhongshan West Road",
        "latitude": BAIYUN[0] + 0.004, "longitude": BAIYUN[1] + 0.003, "window_start": start,
        "window_end": start + timedelta(hours=2)})
    nurse = actor_for(sun)
    visit = done.visit
    visit.request = done
    nursing.check_in(nurse, visit, BAIYUN[0] + 0.004, BAIYUN[1] + 0.003)
    nursing.check_out(nurse, visit, {"latitude": BAIYUN[0] + 0.004, "longitude": BAIYUN[1] + 0.003,
                                     "procedure_note": "Home check after discharge: well, medicines understood",
                                     "observations": [{"code": "blood-pressure", "systolic": 136, "diastolic": 84}]})
    tomorrow = clock.now() + timedelta(days=1)
    nursing.request_service(actor_for(liu), {
        "service": "wound-care", "address": "宁波市海曙区望京路 8 号 8 Wangjing Road",
        "latitude": BAIYUN[0] - 0.005, "longitude": BAIYUN[1] + 0.002, "window_start": tomorrow,
        "window_end": tomorrow + timedelta(hours=3)})
    return 2
