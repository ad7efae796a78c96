"""The inspection API: orders (/service-requests), their booking and report; results (/inspections); the
catalogue and the institutions' offers."""
from flask.views import MethodView
from sqlalchemy import select

from clinic.inspections import services
from clinic.inspections.catalogue import TESTS
from clinic.inspections.models import InspectionOffer
from clinic.inspections import schemas
from core.audit import record_access
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.extensions import db
from core.pagination import page_of

bp = Blueprint("service_requests", __name__, url_prefix="/api/v1/service-requests",
               description="Inspection orders: lab tests and examinations")
results_bp = Blueprint("inspections", __name__, url_prefix="/api/v1/inspections",
                       description="Inspection results and what institutions offer")
NOT_FOUND = {404: "No such order, or not yours to see."}


def _detail(order):
    order.results = services.results_of(order)
    return order


def _audit_list(actor, entity, rows, patient_id):
    for found in sorted({row.patient_id for row in rows} | ({patient_id} if patient_id else set())) or [None]:
        record_access(actor, "search", entity, f"Patient/{found}" if found else None)


@bp.route("")
class Orders(MethodView):
    @require_role("patient", "doctor", "admin")
    @bp.doc(operationId="listServiceRequests")
    @bp.errors({403: "A doctor asked for a patient not in their care."})
    @bp.arguments(schemas.InspectionOrderQuerySchema, location="query")
    @bp.response(200, page_of(schemas.InspectionOrderSchema))
    def get(self, query):
        """Orders: a patient's own, a doctor's (or one patient's in their care), all for an admin."""
        actor = current_actor()
        page = query["page"]
        rows = page.rows(services.list_orders(actor, query.get("patient_id"), query.get("status")))
        _audit_list(actor, "ServiceRequest", rows, query.get("patient_id"))
        return page.answer(rows)

    @require_role("doctor")
    @bp.doc(operationId="orderInspection")
    @bp.errors({403: "The patient is not in your care."})
    @bp.arguments(schemas.InspectionOrderInSchema)
    @bp.response(201, schemas.InspectionOrderSchema)
    def post(self, body):
        """Order a lab test or an examination for a patient in your care (a ServiceRequest)."""
        return services.order_test(current_actor(), body)


@bp.route("/<string:service_request_id>")
class OrderOne(MethodView):
    @require_role("patient", "doctor", "admin")
    @bp.doc(operationId="getServiceRequest")
    @bp.errors(NOT_FOUND)
    @bp.response(200, schemas.InspectionOrderDetailSchema)
    def get(self, service_request_id):
        """One order with its results once reported."""
        return _detail(services.visible_order(current_actor(), service_request_id))


@bp.route("/<string:service_request_id>/places")
class Places(MethodView):
    @require_role("patient", "doctor", "admin")
    @bp.doc(operationId="listInspectionPlaces")
    @bp.errors(NOT_FOUND)
    @bp.arguments(schemas.InspectionPlacesQuerySchema, location="query")
    @bp.response(200, page_of(schemas.InspectionPlaceSchema))
    def get(self, query, service_request_id):
        """Where the test can be done on a day, with the places left (nearest first given lat and lon)."""
        order = services.visible_order(current_actor(), service_request_id)
        near = (query["lat"], query["lon"]) if "lat" in query and "lon" in query else None
        page = query["page"]
        return page.answer(page.cut(services.places(order.test_code, query["date"], near)))


@bp.route("/<string:service_request_id>/booking")
class Booking(MethodView):
    @require_role("patient")
    @bp.doc(operationId="bookInspection")
    @bp.errors({**NOT_FOUND, 409: "Booked already, or the day is full."})
    @bp.arguments(schemas.InspectionBookingSchema)
    @bp.response(200, schemas.InspectionOrderSchema)
    def post(self, body, service_request_id):
        """Book your ordered test at an institution offering it, on a day with a place left."""
        actor = current_actor()
        return services.book(actor, services.visible_order(actor, service_request_id, "update"), body["institution_id"],
                             body["date"])


@bp.route("/<string:service_request_id>/report")
class Report(MethodView):
    @require_role("doctor", "admin")
    @bp.doc(operationId="reportInspection")
    @bp.errors({**NOT_FOUND, 403: "Not the performing institution or the ordering doctor.",
                409: "Reported already."})
    @bp.arguments(schemas.InspectionReportInSchema)
    @bp.response(200, schemas.InspectionOrderDetailSchema)
    def post(self, body, service_request_id):
        """Enter the result: a DiagnosticReport with one Observation per value, flagged H/L from the ranges."""
        actor = current_actor()
        return _detail(services.report(actor, services.visible_order(actor, service_request_id, "update"), body))


@results_bp.route("")
class Results(MethodView):
    @require_role("patient", "doctor", "admin")
    @results_bp.doc(operationId="listInspectionResults")
    @results_bp.errors({403: "A doctor asked for a patient not in their care."})
    @results_bp.arguments(schemas.InspectionReportQuerySchema, location="query")
    @results_bp.response(200, page_of(schemas.InspectionOrderDetailSchema))
    def get(self, query):
        """Reported inspections with their values and flags, newest first (a patient's own by default)."""
        actor = current_actor()
        page = query["page"]
        rows = page.rows(services.list_orders(actor, query.get("patient_id"), "reported"))
        _audit_list(actor, "DiagnosticReport", rows, query.get("patient_id"))
        return page.answer([_detail(row) for row in rows])


@results_bp.route("/tests")
class Tests(MethodView):
    @require_role()
    @results_bp.doc(operationId="listInspectionTests")
    @results_bp.arguments(schemas.InspectionTestQuerySchema, location="query")
    @results_bp.response(200, page_of(schemas.InspectionTestSchema))
    def get(self, query):
        """The tests and examinations that may be ordered, with their reference ranges."""
        page = query["page"]
        return page.answer(page.cut([{"code": code, **test} for code, test in TESTS.items()]))


@results_bp.route("/offers")
class Offers(MethodView):
    @require_role()
    @results_bp.doc(operationId="listInspectionOffers")
    @results_bp.arguments(schemas.InspectionOfferQuerySchema, location="query")
    @results_bp.response(200, page_of(schemas.InspectionOfferSchema))
    def get(self, query):
        """Which institution offers which test, so many a day."""
        stmt = select(InspectionOffer).order_by(InspectionOffer.test_code, InspectionOffer.institution_id)
        if query.get("test"):
            stmt = stmt.where(InspectionOffer.test_code == query["test"])
        page = query["page"]
        return page.answer(page.rows(stmt))

    @require_role("admin")
    @results_bp.doc(operationId="saveInspectionOffer")
    @results_bp.arguments(schemas.InspectionOfferSchema)
    @results_bp.response(200, schemas.InspectionOfferSchema)
    def put(self, body):
        """Set an institution's offer of a test and its daily capacity."""
        return services.save_offer({"institution_id": body["institution_id"], "test": body["test_code"],
                                    "daily_capacity": body["daily_capacity"]})
