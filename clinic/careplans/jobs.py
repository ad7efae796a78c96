"""The invitation sweep (run by the scheduler leader; tests call it directly): for each visit coming due,
re-check eligibility and invite the patient to book it, online or in person, by its due date. A visit is
claimed by a conditional update of `invited_at`, so a sweep that runs twice or in two processes invites once."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from clinic.careplans import services
from clinic.careplans.models import CarePlan, CarePlanVisit
from clinic.notifications import services as notifications
from core import clock
from core.auth import SYSTEM
from core.extensions import db
from core.scheduler import register_periodic


def invite_due_visits():
    """Propose and invite the visits now within the invitation window; returns how many were invited."""
    invited = 0
    window = timedelta(days=current_app.config["CARE_INVITE_DAYS_BEFORE"])
    for plan in db.session.scalars(select(CarePlan).where(CarePlan.status == "active")).all():
        today = services.local_today(plan)
        for visit in services.propose_visits(plan, today):
            if visit.invited_at is not None or not today <= visit.due_on <= today + window:
                continue
            claimed = db.session.execute(update(CarePlanVisit).where(
                CarePlanVisit.id == visit.id, CarePlanVisit.invited_at.is_(None)).values(invited_at=clock.now()))
            if claimed.rowcount != 1:
                continue
            db.session.refresh(visit)
            services.recheck(SYSTEM, plan, visit)
            _invite(plan, visit)
            invited += 1
    return invited


def _invite(plan, visit):
    template = services.template_of(plan)
    how = "online or in person" if visit.mode == "online" else "in person (your condition needs an examination)"
    user = services.patient_user(plan.patient_id)
    notifications.notify_user(user.id, "care_plan_visit_due", f"Follow-up due by {visit.due_on.isoformat()}",
                              f"{template['title']}: please book your follow-up visit {how}.",
                              {"care_plan_id": plan.id, "visit": visit.number, "due_on": visit.due_on,
                               "mode": visit.mode, "doctor_id": plan.doctor_id})


@register_periodic("clinic.care_plan_invitations", seconds=3600)
def care_plan_invitations():
    return invite_due_visits()
