"""The home-nursing API: the catalogue, nurses of institutions, doctors' orders, patients' requests, visits."""
from flask.views import MethodView

from clinic.nursing import schemas, services, visits
from clinic.nursing.catalogue import SERVICES
from core.audit import record_access
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.pagination import PageQuerySchema, page_of

bp = Blueprint("nursing", __name__, url_prefix="/api/v1/nursing", description="Home nursing")
VISIT_NOT_FOUND = {404: "No such visit, or not yours to see."}


def _audit_list(actor, entity, patient_ids):
    for found in sorted(patient_ids) or [None]:
        record_access(actor, "search", entity, f"Patient/{found}" if found else None)


@bp.route("/services")
class Services(MethodView):
    @require_role()
    @bp.doc(operationId="listNursingServices")
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, page_of(schemas.NursingServiceSchema))
    def get(self, query):
        """The home services, whether they need a doctor's order and who may order them."""
        page = query["page"]
        return page.answer(page.cut([{"code": code, **spec} for code, spec in SERVICES.items()]))


@bp.route("/nurses")
class Nurses(MethodView):
    @require_role("admin")
    @bp.doc(operationId="placeNurse")
    @bp.arguments(schemas.NurseSchema)
    @bp.response(200, schemas.NurseSchema)
    def put(self, body):
        """Place a nurse account at an institution (its home visits are assigned among its nurses)."""
        return services.save_nurse(body)


@bp.route("/orders")
class Orders(MethodView):
    @require_role("doctor")
    @bp.doc(operationId="orderNursingService")
    @bp.errors({403: "The patient is not in your care."})
    @bp.arguments(schemas.NursingOrderInSchema)
    @bp.response(201, schemas.NursingOrderSchema)
    def post(self, body):
        """Order a home service for a patient in your care (services that need an order accept it once)."""
        return services.order_service(current_actor(), body)


@bp.route("/requests")
class Requests(MethodView):
    @require_role("patient", "nurse", "admin")
    @bp.doc(operationId="listNursingRequests")
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, page_of(schemas.NursingRequestSchema))
    def get(self, query):
        """A patient's own requests; a nurse's institution's; every one for an admin."""
        actor = current_actor()
        page = query["page"]
        rows = page.rows(services.list_requests(actor))
        _audit_list(actor, "NursingRequest", {row.patient_id for row in rows})
        for row in rows:
            row.visit = None
        return page.answer(rows)

    @require_role("patient")
    @bp.doc(operationId="requestNursingService")
    @bp.arguments(schemas.NursingRequestInSchema)
    @bp.response(201, schemas.NursingRequestSchema)
    def post(self, body):
        """Request a home service at an address in a time window: 422 `not_eligible` with every reason, else
        assigned to a nurse of the nearest institution with nurses."""
        return services.request_service(current_actor(), body)


@bp.route("/requests/<string:nursing_request_id>")
class RequestOne(MethodView):
    @require_role("patient", "nurse", "doctor", "admin")
    @bp.doc(operationId="getNursingRequest")
    @bp.errors({404: "No such request, or not yours to see."})
    @bp.response(200, schemas.NursingRequestSchema)
    def get(self, nursing_request_id):
        """One request with its visit."""
        return services.visible_request(current_actor(), nursing_request_id)


@bp.route("/visits")
class Visits(MethodView):
    @require_role("patient", "nurse", "admin")
    @bp.doc(operationId="listNursingVisits")
    @bp.arguments(schemas.NursingVisitQuerySchema, location="query")
    @bp.response(200, page_of(schemas.NursingVisitSchema))
    def get(self, query):
        """A nurse's visits (their day's work list), a patient's own, every one for an admin."""
        actor = current_actor()
        page = query["page"]
        rows = page.rows(visits.list_visits(actor, query.get("status")))
        _audit_list(actor, "NursingVisit", {visits.patient_of(row) for row in rows})
        return page.answer(rows)


@bp.route("/visits/<string:visit_id>")
class VisitOne(MethodView):
    @require_role("patient", "nurse", "admin")
    @bp.doc(operationId="getNursingVisit")
    @bp.errors(VISIT_NOT_FOUND)
    @bp.response(200, schemas.NursingVisitSchema)
    def get(self, visit_id):
        """One visit."""
        return visits.visible_visit(current_actor(), visit_id)


@bp.route("/visits/<string:visit_id>/check-in")
class CheckIn(MethodView):
    @require_role("nurse")
    @bp.doc(operationId="checkInNursingVisit")
    @bp.errors({**VISIT_NOT_FOUND, 403: "Not the assigned nurse.", 409: "Checked in already."})
    @bp.arguments(schemas.PositionSchema)
    @bp.response(200, schemas.NursingVisitSchema)
    def post(self, body, visit_id):
        """Arrive at the patient's home, with your position."""
        actor = current_actor()
        return visits.check_in(actor, visits.visible_visit(actor, visit_id, "update"), body["latitude"],
                               body["longitude"])


@bp.route("/visits/<string:visit_id>/check-out")
class CheckOut(MethodView):
    @require_role("nurse")
    @bp.doc(operationId="checkOutNursingVisit")
    @bp.errors({**VISIT_NOT_FOUND, 403: "Not the assigned nurse.", 409: "Not checked in, or checked out already."})
    @bp.arguments(schemas.CheckOutSchema)
    @bp.response(200, schemas.NursingVisitSchema)
    def post(self, body, visit_id):
        """Leave, with your position: the visit is recorded (Encounter class HH, Procedure, Observations)."""
        actor = current_actor()
        return visits.check_out(actor, visits.visible_visit(actor, visit_id, "update"), body)
