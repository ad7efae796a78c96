"""Adherence of a plan, read by the care team: visits attended or missed, weeks short of home measurements."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from clinic.appointments import Appointment
from clinic.careplans.models import CarePlanVisit
from clinic.directory import Institution
from clinic.measurements import Measurement
from core.extensions import db

SEEN = ("checked_in", "in_consultation", "fulfilled")


def _attended(plan, visit, grace_days):
    low = visit.due_on - timedelta(days=plan.visit_every_days // 2)
    high = visit.due_on + timedelta(days=grace_days)
    return db.session.scalar(select(Appointment.id).where(
        Appointment.patient_id == plan.patient_id, Appointment.status.in_(SEEN),
        Appointment.local_date >= low, Appointment.local_date <= high).limit(1)) is not None


def visit_states(plan, visits, today, grace_days):
    """Each visit with its state: attended, missed (grace passed unattended), due (within grace) or upcoming."""
    found = []
    for visit in visits:
        if _attended(plan, visit, grace_days):
            state = "attended"
        elif today > visit.due_on + timedelta(days=grace_days):
            state = "missed"
        elif today >= visit.due_on - timedelta(days=plan.visit_every_days // 2):
            state = "due"
        else:
            state = "upcoming"
        found.append((visit, state))
    return found


def measurement_weeks(plan, template, today, start=None):
    """Per measured kind: the full weeks since the start (or `start`), the readings expected and received, the
    weeks short."""
    tz = ZoneInfo(db.session.get(Institution, plan.institution_id).timezone)
    start_on = max(start or plan.started_on, plan.started_on)
    weeks = max(0, (today - start_on).days // 7)
    answer = []
    for kind, per_week in template["measurements"].items():
        short = 0
        received = 0
        for week in range(weeks):
            start = datetime.combine(start_on + timedelta(days=7 * week), time.min, tz)
            count = db.session.scalar(select(func.count()).select_from(Measurement).where(
                Measurement.patient_id == plan.patient_id, Measurement.code == kind,
                Measurement.measured_at >= start, Measurement.measured_at < start + timedelta(days=7)))
            received += count
            short += count < per_week
        answer.append({"code": kind, "per_week": per_week, "weeks": weeks, "expected": weeks * per_week,
                       "received": received, "weeks_short": short})
    return answer


def adherence(plan, template, visits, today, grace_days):
    """The plan's adherence as the API answers it."""
    states = visit_states(plan, visits, today, grace_days)
    closed = [s for _, s in states if s in ("attended", "missed")]
    measurements = measurement_weeks(plan, template, today)
    weeks = sum(m["weeks"] for m in measurements)
    return {
        "plan_id": plan.id, "as_of": today,
        "visits": [{"number": v.number, "due_on": v.due_on, "state": s} for v, s in states],
        "visits_attended": closed.count("attended"), "visits_missed": closed.count("missed"),
        "measurements": measurements,
        "adherent": closed.count("missed") == 0 and all(m["weeks_short"] == 0 for m in measurements),
        "visit_rate": round(closed.count("attended") / len(closed), 3) if closed else None,
        "measurement_rate": round(1 - sum(m["weeks_short"] for m in measurements) / weeks, 3) if weeks else None,
    }


def visits_of(plan):
    return list(db.session.scalars(select(CarePlanVisit).where(CarePlanVisit.plan_id == plan.id)
                                   .order_by(CarePlanVisit.number)))
