"""Health management for the admin, per chronic clinic (one per template): the clinic's chronic patients, the
share on an active plan, the share of plans adherent (no missed visit, no week short of readings) and the control
rate at the last value (hypertension: home BP < 140/90; diabetes: HbA1c < 7.0 %)."""
from datetime import timedelta

from sqlalchemy import select

from clinic.appointments import Appointment
from clinic.careplans import adherence as adherence_of
from clinic.careplans.models import CarePlan
from clinic.careplans.templates import TEMPLATES
from clinic.directory import DoctorSpecialty
from clinic.inspections import InspectionOrder, InspectionResult
from clinic.measurements import Measurement
from core.extensions import db

CONTROL = {"hypertension": "last home blood pressure below 140/90 mmHg",
           "diabetes": "last HbA1c below 7.0 %"}
RECENT_WEEKS = 4  # adherence looks at the last four weeks and the visits due in them


def _controlled(template, patient_id):
    """True/False at the last value, None when there is none yet."""
    if template == "hypertension":
        last = db.session.scalars(select(Measurement).where(
            Measurement.patient_id == patient_id, Measurement.code == "blood-pressure")
            .order_by(Measurement.measured_at.desc()).limit(1)).first()
        return None if last is None else (last.value < 140 and last.value2 < 90)
    value = db.session.scalar(select(InspectionResult.value).join(
        InspectionOrder, InspectionOrder.id == InspectionResult.order_id).where(
        InspectionOrder.patient_id == patient_id, InspectionResult.code == "4548-4")
        .order_by(InspectionOrder.reported_at.desc()).limit(1))
    return None if value is None else value < 7.0


def _recently_adherent(plan, today, grace_days):
    """No visit missed and no week short of readings in the last RECENT_WEEKS weeks."""
    since = today - timedelta(weeks=RECENT_WEEKS)
    visits = [v for v in adherence_of.visits_of(plan) if v.due_on >= since - timedelta(days=grace_days)]
    states = adherence_of.visit_states(plan, visits, today, grace_days)
    if any(state == "missed" for _, state in states):
        return False
    weeks = adherence_of.measurement_weeks(plan, TEMPLATES[plan.template], today, start=since)
    return all(m["weeks_short"] == 0 for m in weeks)


def chronic_care(today_of, grace_days):
    """One row per chronic clinic; `today_of(plan)` gives the plan's local today."""
    rows = []
    for template, spec in TEMPLATES.items():
        seen = set(db.session.scalars(select(Appointment.patient_id).distinct().join(
            DoctorSpecialty, DoctorSpecialty.doctor_id == Appointment.doctor_id).where(
            DoctorSpecialty.specialty == spec["specialty"], Appointment.status != "cancelled")))
        plans = list(db.session.scalars(select(CarePlan).where(CarePlan.template == template,
                                                               CarePlan.status == "active")))
        on_plan = {plan.patient_id for plan in plans}
        patients = seen | on_plan
        adherent = sum(_recently_adherent(plan, today_of(plan), grace_days) for plan in plans)
        control = [_controlled(template, patient_id) for patient_id in sorted(on_plan)]
        measured = [c for c in control if c is not None]
        rows.append({
            "clinic": template, "title": spec["title"], "chronic_patients": len(patients),
            "on_plan": len(on_plan), "share_on_plan": round(len(on_plan) / len(patients), 3) if patients else None,
            "plans_adherent": adherent, "adherence_rate": round(adherent / len(plans), 3) if plans else None,
            "measured": len(measured), "controlled": sum(measured),
            "control_rate": round(sum(measured) / len(measured), 3) if measured else None,
            "control_rule": CONTROL[template],
        })
    return rows
