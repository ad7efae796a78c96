"""The safety sweep (run by the scheduler leader; tests call it directly): a visit still open after its due time
(not checked out, or never checked in) alerts its institution, its nurses and the admins, once (a conditional
update of `overdue_alerted_at` claims it, so two sweeps alert once)."""
from sqlalchemy import select

from clinic.notifications import services as notifications
from clinic.nursing.models import Nurse, NursingRequest, NursingVisit
from core import clock, dbutil
from core.extensions import db
from core.models import User
from core.scheduler import register_periodic


def alert_overdue_visits():
    """Alert each overdue open visit once; returns how many were alerted."""
    now = clock.now()
    alerted = 0
    overdue = db.session.scalars(select(NursingVisit).where(
        NursingVisit.status.in_(("scheduled", "in_progress")), NursingVisit.due_out_at < now,
        NursingVisit.overdue_alerted_at.is_(None))).all()
    for visit in overdue:
        if dbutil.conditional_update(NursingVisit, (NursingVisit.id == visit.id,
                                                    NursingVisit.overdue_alerted_at.is_(None)),
                                     {"overdue_alerted_at": now}) != 1:
            continue
        request = db.session.get(NursingRequest, visit.request_id)
        nurse = db.session.get(User, visit.nurse_user_id)
        staff = set(db.session.scalars(select(Nurse.user_id).where(Nurse.institution_id == visit.institution_id)))
        staff |= set(db.session.scalars(select(User.id).where(User.role == "admin", User.is_active.is_(True))))
        what = "not checked out" if visit.status == "in_progress" else "not started"
        for user_id in sorted(staff):
            notifications.notify_user(user_id, "nursing_visit_overdue", f"Home visit overdue: {nurse.name}",
                                      f"The visit at {request.address} is {what} after its due time.",
                                      {"visit_id": visit.id, "nurse_user_id": nurse.id, "status": visit.status,
                                       "due_out_at": visit.due_out_at})
        alerted += 1
    return alerted


@register_periodic("clinic.nursing_overdue_visits", seconds=300)
def nursing_overdue_visits():
    return alert_overdue_visits()
