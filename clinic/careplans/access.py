"""Who may see a plan: the patient, the plan's doctor or a doctor caring for the patient, an admin. Anything
else is a 404 (audited as denied when the plan exists). The plan's doctor cares for the patient while the plan
is active (a relationship provider for core.auth, so their records open to the doctor)."""
from sqlalchemy import select

from clinic.careplans.models import CarePlan
from clinic.directory.services import own_doctor_id
from core import auth
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db

CARE = "cares_for_patient"


def may_see(actor, plan):
    if actor.is_admin:
        return True
    if actor.role == "patient":
        return plan.patient_id == actor.patient_id
    if actor.role == "doctor":
        return plan.doctor_id == own_doctor_id(actor) or auth.has_relationship(actor, CARE, plan.patient_id)
    return False


def visible_plan(actor, plan_id, action="read"):
    """The plan if `actor` may see it, else 404."""
    plan = db.session.get(CarePlan, plan_id)
    if plan is None:
        raise ApiError(404, "not_found", "No such care plan.")
    if not may_see(actor, plan):
        record_access(actor, action, f"CarePlan/{plan.id}", f"Patient/{plan.patient_id}", outcome="denied",
                      detail={"reason": "not the patient's, their doctor's or an admin's"})
        raise ApiError(404, "not_found", "No such care plan.")
    return plan


def plan_doctor_cares(actor, patient_id):
    doctor_id = own_doctor_id(actor)
    if doctor_id is None or not patient_id:
        return False
    return db.session.scalar(select(CarePlan.id).where(
        CarePlan.doctor_id == doctor_id, CarePlan.patient_id == patient_id, CarePlan.status == "active").limit(1)) \
        is not None


def patients_on_plans(actor):
    doctor_id = own_doctor_id(actor)
    if doctor_id is None:
        return set()
    return set(db.session.scalars(select(CarePlan.patient_id).where(CarePlan.doctor_id == doctor_id,
                                                                     CarePlan.status == "active")))


def register():
    auth.register_relationship(CARE, plan_doctor_cares)
    auth.register_patient_scope(patients_on_plans)
