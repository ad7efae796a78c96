"""Care plans: enrol a patient from a template, propose the follow-up visits, re-check eligibility before an
online follow-up, end a plan.

Proposals: a plan's visits fall every `visit_every_days` from the start. A visit row is made once its due date
is within CARE_INVITE_DAYS_BEFORE; the invitation job (jobs.py) then re-checks eligibility and tells the patient
to book, online or in person, by the due date (no slot is held: the patient picks a time with the usual
booking, whose own `book_online` check runs again). A visit counts as attended when the patient has an
appointment checked in or seen within half an interval before to CARE_VISIT_GRACE_DAYS after its due date.
"""
import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from clinic.careplans import adherence, fhir
from clinic.careplans.access import visible_plan  # noqa: F401  (public surface)
from clinic.careplans.models import CarePlan, CarePlanVisit
from clinic.careplans.templates import TEMPLATES
from clinic.directory import Doctor, DoctorInstitution, Institution
from clinic.directory import services as directory
from clinic.measurements import MeasurementAlert
from clinic.notifications import services as notifications
from clinic.risk import services as risk
from core import auth, clock
from core.audit import record_access
from core.dbutil import insert_ignore
from core.errors import ApiError
from core.extensions import db
from core.models import User


MAX_BACKDATE_DAYS = 366  # a plan recorded late (e.g. after a paper follow-up) starts at most a year back
MAX_AHEAD_DAYS = 30


def _invalid(field, message):
    return ApiError(422, "validation_error", "One or more fields are invalid.", title="Request validation failed",
                    errors=[{"field": field, "message": message}])


def local_today(plan):
    institution = db.session.get(Institution, plan.institution_id)
    return clock.now().astimezone(ZoneInfo(institution.timezone)).date()


def template_of(plan):
    return TEMPLATES[plan.template]


def patient_user(patient_id):
    return db.session.scalar(select(User).where(User.patient_id == patient_id, User.role == "patient"))


def doctor_user_ids(doctor_id):
    doctor = db.session.get(Doctor, doctor_id)
    return list(db.session.scalars(select(User.id).where(User.practitioner_id == doctor.practitioner_id,
                                                         User.role == "doctor", User.is_active.is_(True))))


def enrol(actor, body):
    """A doctor enrols a patient in a template's plan (409 when one is active already)."""
    doctor = directory.doctor_for_actor(actor)
    if doctor is None:
        raise ApiError(403, "forbidden", "Only a doctor of the directory enrols patients in care plans.")
    template = TEMPLATES.get(body["template"])
    if template is None:
        raise _invalid("template", f"must be one of {', '.join(sorted(TEMPLATES))}")
    patient_id = body["patient_id"]
    if patient_user(patient_id) is None:
        raise _invalid("patient_id", "no such patient")
    if not auth.has_relationship(actor, "cares_for_patient", patient_id):
        record_access(actor, "create", "CarePlan", f"Patient/{patient_id}", outcome="denied",
                      detail={"reason": "no care relationship with the patient"})
        raise ApiError(403, "forbidden", "You may enrol only a patient in your care.")
    institution_id = body.get("institution_id") or db.session.scalar(
        select(DoctorInstitution.institution_id).where(DoctorInstitution.doctor_id == doctor.id).limit(1))
    works_there = db.session.scalar(select(DoctorInstitution.id).where(
        DoctorInstitution.doctor_id == doctor.id, DoctorInstitution.institution_id == institution_id))
    if works_there is None:
        raise _invalid("institution_id", "must be an institution the doctor works at")
    if db.session.scalar(select(CarePlan.id).where(CarePlan.patient_id == patient_id, CarePlan.template ==
                                                   body["template"], CarePlan.status == "active")):
        raise ApiError(409, "plan_exists", "The patient is already on an active plan of this template.")
    plan = CarePlan(patient_id=patient_id, doctor_id=doctor.id, institution_id=institution_id,
                    template=body["template"], status="active", visit_every_days=template["visit_every_days"],
                    thresholds=json.dumps(template["thresholds"]), note=body.get("note"), created_at=clock.now())
    today = clock.now().astimezone(ZoneInfo(db.session.get(Institution, institution_id).timezone)).date()
    plan.started_on = body.get("started_on") or today
    if not today - timedelta(days=MAX_BACKDATE_DAYS) <= plan.started_on <= today + timedelta(days=MAX_AHEAD_DAYS):
        raise _invalid("started_on", f"must be within {MAX_BACKDATE_DAYS} days before and {MAX_AHEAD_DAYS} after today")
    db.session.add(plan)
    db.session.flush()
    propose_visits(plan)
    fhir.write_view(plan, template, doctor.practitioner_id)
    notifications.notify_user(patient_user(patient_id).id, "care_plan_enrolled", f"You joined: {template['title']}",
                              f"A follow-up visit every {plan.visit_every_days} days; home measurements: "
                              + ", ".join(f"{k} {n}x a week" for k, n in template["measurements"].items()),
                              {"care_plan_id": plan.id})
    record_access(actor, "create", f"CarePlan/{plan.id}", f"Patient/{patient_id}")
    return plan


def planned_visits(plan, today=None):
    """The stored visits, then those due up to CARE_INVITE_DAYS_BEFORE from today (at least the first) that are
    not stored yet, as new unsaved rows: reading a plan writes nothing."""
    today = today or local_today(plan)
    horizon = today + timedelta(days=current_app.config["CARE_INVITE_DAYS_BEFORE"])
    visits = adherence.visits_of(plan)
    number = visits[-1].number if visits else 0
    due = lambda n: plan.started_on + timedelta(days=plan.visit_every_days * n)  # noqa: E731
    while not visits or due(number + 1) <= horizon:
        number += 1
        visits.append(CarePlanVisit(plan_id=plan.id, number=number, due_on=due(number)))
    return visits


def propose_visits(plan, today=None):
    """Store the visits `planned_visits` adds and return them all, stored. Two proposers at once (the sweep and
    a re-check) store each visit once: a clash on (plan, number) is skipped."""
    planned = planned_visits(plan, today)
    new = [{"plan_id": plan.id, "number": v.number, "due_on": v.due_on} for v in planned if v.id is None]
    if not new:
        return planned
    insert_ignore(CarePlanVisit, new, ["plan_id", "number"])
    return adherence.visits_of(plan)


def next_visit(visits, today):
    """The first of `visits` whose due date has not passed, else the last one."""
    return next((v for v in visits if v.due_on >= today), visits[-1])


def list_plans(actor, patient_id=None, status=None):
    """The plans the caller may see: a patient's own; a doctor's enrolled ones (or a patient's in their care)."""
    stmt = select(CarePlan).where(CarePlan.status == status) if status else select(CarePlan)
    return directory.patient_rows_for(actor, stmt, CarePlan, patient_id, "CarePlan", "plans")


def end_plan(actor, plan, status):
    """Complete or revoke an active plan (its doctor or an admin); the CarePlan view follows."""
    if not (actor.is_admin or plan.doctor_id == directory.own_doctor_id(actor)):
        raise ApiError(403, "forbidden", "Only the plan's doctor or an admin ends a plan.")
    if plan.status != "active":
        raise ApiError(409, "plan_ended", f"The plan is {plan.status} already.")
    plan.status, plan.ended_at = status, clock.now()
    db.session.flush()
    fhir.write_view(plan, template_of(plan), db.session.get(Doctor, plan.doctor_id).practitioner_id)
    record_access(actor, "update", f"CarePlan/{plan.id}", f"Patient/{plan.patient_id}", detail={"status": status})
    return plan


def condition_changed(plan, since):
    """The urgent alerts of the plan raised since `since` (a change of condition: the follow-up is in person)."""
    return list(db.session.scalars(select(MeasurementAlert).where(
        MeasurementAlert.plan_id == plan.id, MeasurementAlert.severity == "urgent",
        MeasurementAlert.created_at >= since).order_by(MeasurementAlert.created_at)))


def recheck(actor, plan, visit):
    """Re-check eligibility for the online follow-up `visit`: the `book_online` rules for the plan's condition,
    plus the plan's own rule (an urgent reading since the last visit sends the patient in person)."""
    template = template_of(plan)
    doctor = db.session.get(Doctor, plan.doctor_id)
    answer = risk.check(actor, "book_online", plan.patient_id, complaint_code=template["condition"]["code"],
                        doctor={"specialties": doctor.specialties}, context=f"care-plan:{plan.id}:{visit.number}",
                        specialty=template["specialty"])
    reasons = list(answer["reasons"])
    since = visit_window_start(plan, visit)
    urgent = condition_changed(plan, since)
    if urgent:
        reasons.insert(0, {"rule_id": "care_plan.condition_changed", "outcome": "refer_offline",
                           "message": "An urgent home reading since the last visit: this follow-up is in person.",
                           "alerts": [a.id for a in urgent]})
    online = answer["allowed_online"] and not urgent
    visit.mode = "online" if online else "in_person"
    visit.recheck_decision = answer["decision"] if not urgent else "refer_offline"
    visit.recheck_reasons = json.dumps(reasons, ensure_ascii=False, default=str)
    visit.rechecked_at = clock.now()
    db.session.flush()
    return visit


def visit_window_start(plan, visit):
    """Since when this visit's re-check looks for a change: the previous due date (the plan's start for the first)."""
    previous = plan.started_on + timedelta(days=plan.visit_every_days * (visit.number - 1))
    tz = ZoneInfo(db.session.get(Institution, plan.institution_id).timezone)
    return datetime.combine(previous, time.min, tz)
