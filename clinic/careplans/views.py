"""The care-plan API: enrol, list, read (with the next proposed visit), end, adherence, eligibility re-check."""
from flask import current_app
from flask.views import MethodView

from clinic.careplans import adherence as adherence_of
from clinic.careplans import report
from clinic.careplans import services
from clinic.careplans import schemas
from core.audit import record_access
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.errors import ApiError
from core.pagination import PageQuerySchema, page_of

bp = Blueprint("care_plans", __name__, url_prefix="/api/v1/care-plans", description="Chronic-care follow-up plans")
reports_bp = Blueprint("care_reports", __name__, url_prefix="/api/v1/reports",
                       description="Health management: chronic care per clinic (admin)")


def _detail(plan):
    today = services.local_today(plan)
    plan.next_visit = services.next_visit(services.planned_visits(plan, today), today)
    return plan


@bp.route("")
class CarePlans(MethodView):
    @require_role("patient", "doctor", "admin")
    @bp.doc(operationId="listCarePlans")
    @bp.errors({403: "A doctor asked for the plans of a patient not in their care."})
    @bp.arguments(schemas.CarePlanQuerySchema, location="query")
    @bp.response(200, page_of(schemas.CarePlanSchema))
    def get(self, query):
        """The caller's plans (a patient's own, a doctor's enrolled ones, or one patient's in the doctor's care)."""
        actor = current_actor()
        page = query["page"]
        rows = page.rows(services.list_plans(actor, query.get("patient_id"), query.get("status")))
        for patient_id in sorted({row.patient_id for row in rows} | ({query["patient_id"]} if "patient_id" in query
                                                                     else set())) or [None]:
            record_access(actor, "search", "CarePlan", f"Patient/{patient_id}" if patient_id else None)
        return page.answer(rows)

    @require_role("doctor")
    @bp.doc(operationId="enrolCarePlan")
    @bp.errors({403: "The patient is not in your care.", 409: "An active plan of this template exists."})
    @bp.arguments(schemas.CarePlanEnrolSchema)
    @bp.response(201, schemas.CarePlanDetailSchema)
    def post(self, body):
        """Enrol a patient in your care in a template's plan (409 `plan_exists` when one is active)."""
        return _detail(services.enrol(current_actor(), body))


@bp.route("/<string:plan_id>")
class CarePlanOne(MethodView):
    @require_role("patient", "doctor", "admin")
    @bp.doc(operationId="getCarePlan")
    @bp.errors({404: "No such plan, or not yours to see."})
    @bp.response(200, schemas.CarePlanDetailSchema)
    def get(self, plan_id):
        """One plan with its next proposed visit."""
        actor = current_actor()
        plan = services.visible_plan(actor, plan_id)
        record_access(actor, "read", f"CarePlan/{plan.id}", f"Patient/{plan.patient_id}")
        return _detail(plan)


@bp.route("/<string:plan_id>/end")
class EndCarePlan(MethodView):
    @require_role("doctor", "admin")
    @bp.doc(operationId="endCarePlan")
    @bp.errors({403: "Not the plan's doctor.", 404: "No such plan, or not yours to see.", 409: "Ended already."})
    @bp.arguments(schemas.CarePlanEndSchema)
    @bp.response(200, schemas.CarePlanSchema)
    def post(self, body, plan_id):
        """Complete or revoke the plan (its doctor or an admin)."""
        actor = current_actor()
        return services.end_plan(actor, services.visible_plan(actor, plan_id, "update"), body["status"])


@bp.route("/<string:plan_id>/adherence")
class Adherence(MethodView):
    @require_role("patient", "doctor", "admin")
    @bp.doc(operationId="getCarePlanAdherence")
    @bp.errors({404: "No such plan, or not yours to see."})
    @bp.response(200, schemas.CarePlanAdherenceSchema)
    def get(self, plan_id):
        """Visits attended and missed, weeks short of home measurements, for the care team and the patient."""
        actor = current_actor()
        plan = services.visible_plan(actor, plan_id)
        record_access(actor, "read", f"CarePlan/{plan.id}/adherence", f"Patient/{plan.patient_id}")
        today = services.local_today(plan)
        return adherence_of.adherence(plan, services.template_of(plan), services.planned_visits(plan, today), today,
                                      current_app.config["CARE_VISIT_GRACE_DAYS"])


@bp.route("/<string:plan_id>/recheck")
class Recheck(MethodView):
    @require_role("patient", "doctor", "admin")
    @bp.doc(operationId="recheckCarePlanVisit")
    @bp.errors({403: "Not allowed to check this patient.", 404: "No such plan, or not yours to see.",
                409: "The plan has ended."})
    @bp.response(200, schemas.CarePlanVisitSchema)
    def post(self, plan_id):
        """Re-check eligibility for the next follow-up before booking it online: the answer says online or in
        person, with every reason (an urgent home reading since the last visit sends the patient in person)."""
        actor = current_actor()
        plan = services.visible_plan(actor, plan_id, "update")
        if plan.status != "active":
            raise ApiError(409, "plan_ended", f"The plan is {plan.status}.")
        record_access(actor, "update", f"CarePlan/{plan.id}/recheck", f"Patient/{plan.patient_id}")
        today = services.local_today(plan)
        return services.recheck(actor, plan, services.next_visit(services.propose_visits(plan, today), today))


@reports_bp.route("/chronic-care")
class ChronicCare(MethodView):
    @require_role("admin")
    @reports_bp.doc(operationId="getChronicCareReport")
    @reports_bp.arguments(PageQuerySchema, location="query")
    @reports_bp.response(200, page_of(schemas.ChronicCareRowSchema))
    def get(self, query):
        """Per chronic clinic: its patients, the share on a plan, adherence (last 4 weeks) and the control rate
        at the last value (BP < 140/90; HbA1c < 7 %). Counts only, no patient named."""
        page = query["page"]
        return page.answer(page.cut(report.chronic_care(services.local_today,
                                                        current_app.config["CARE_VISIT_GRACE_DAYS"])))
