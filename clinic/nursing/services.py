"""Home nursing: nurses join institutions, doctors order services, patients request them (eligibility decides),
each request is assigned to a nurse of the nearest institution with nurses, the one with the fewest open visits.
Who may see what: the patient their own, the institution's nurses its requests, a doctor the orders they gave
or the requests of patients in their care, an admin everything."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from clinic.directory import Institution
from clinic.directory import services as directory
from clinic.nursing import eligibility
from clinic.nursing.catalogue import SERVICES
from clinic.nursing.models import Nurse, NursingOrder, NursingRequest, NursingVisit
from clinic.nursing.staff import nurse_institution
from clinic.nursing.visits import check_in, check_out  # noqa: F401  (public surface: the visit's moves)
from clinic.notifications import services as notifications
from core import auth, clock
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from core.models import User


def _invalid(field, message):
    return ApiError(422, "validation_error", "One or more fields are invalid.", title="Request validation failed",
                    errors=[{"field": field, "message": message}])


def save_nurse(body):
    """An admin places a nurse account at an institution (again: moves it)."""
    user = db.session.get(User, body["user_id"])
    if user is None or user.role != "nurse":
        raise _invalid("user_id", "must be a nurse account")
    if db.session.get(Institution, body["institution_id"]) is None:
        raise _invalid("institution_id", "no such institution")
    nurse = db.session.get(Nurse, user.id) or Nurse(user_id=user.id)
    nurse.institution_id = body["institution_id"]
    db.session.add(nurse)
    db.session.flush()
    return nurse


def order_service(actor, body):
    """A doctor orders a home service for a patient in their care."""
    doctor = directory.doctor_for_actor(actor)
    if doctor is None or "doctor" not in SERVICES[body["service"]]["ordered_by"]:
        raise ApiError(403, "forbidden", "Only a doctor orders home services.")
    if not auth.has_relationship(actor, "cares_for_patient", body["patient_id"]):
        record_access(actor, "create", "NursingOrder", f"Patient/{body['patient_id']}", outcome="denied",
                      detail={"reason": "no care relationship with the patient"})
        raise ApiError(403, "forbidden", "You may order home services only for a patient in your care.")
    order = NursingOrder(patient_id=body["patient_id"], doctor_id=doctor.id, service=body["service"],
                         note=body.get("note"), created_at=clock.now())
    db.session.add(order)
    db.session.flush()
    record_access(actor, "create", f"NursingOrder/{order.id}", f"Patient/{order.patient_id}")
    return order


def _nearest_staffed(lat, lon):
    """(institution, km) of the nearest institution with at least one nurse, or (None, None)."""
    staffed = set(db.session.scalars(select(Nurse.institution_id).distinct()))
    ranked = [(row, km) for row, km in directory.institutions_near(lat, lon) if row.id in staffed]
    return ranked[0] if ranked else (None, None)


def _least_busy_nurse(institution_id):
    open_visits = (select(NursingVisit.nurse_user_id, func.count().label("n"))
                   .where(NursingVisit.status != "completed").group_by(NursingVisit.nurse_user_id).subquery())
    return db.session.execute(
        select(Nurse.user_id).join(User, User.id == Nurse.user_id).outerjoin(
            open_visits, open_visits.c.nurse_user_id == Nurse.user_id).where(
            Nurse.institution_id == institution_id, User.is_active.is_(True))
        .order_by(func.coalesce(open_visits.c.n, 0), Nurse.user_id).limit(1)).scalar()


def request_service(actor, body):
    """A patient requests a home service; refused with every reason (422 not_eligible), else assigned."""
    config = current_app.config
    service = SERVICES[body["service"]]
    order = None
    if service["needs_order"]:
        order = db.session.scalar(select(NursingOrder).where(
            NursingOrder.patient_id == actor.patient_id, NursingOrder.service == body["service"],
            NursingOrder.used_by.is_(None),
            NursingOrder.created_at >= clock.now() - timedelta(days=config["CARE_NURSING_ORDER_VALID_DAYS"]))
            .order_by(NursingOrder.created_at).limit(1))
    institution, km = _nearest_staffed(body["latitude"], body["longitude"])
    found = eligibility.reasons(service, has_order=order is not None, window_start=body["window_start"],
                                window_end=body["window_end"], now=clock.now(),
                                book_ahead_days=config["CARE_NURSING_BOOK_AHEAD_DAYS"],
                                distance_km=km, radius_km=config["CARE_NURSING_RADIUS_KM"])
    if found:
        raise ApiError(422, "not_eligible", "This home service cannot be booked: see the reasons.",
                       title="Not eligible for this home service", reasons=found)
    request = NursingRequest(patient_id=actor.patient_id, service=body["service"], address=body["address"],
                             latitude=body["latitude"], longitude=body["longitude"],
                             window_start=body["window_start"], window_end=body["window_end"],
                             order_id=order.id if order else None, note=body.get("note"), status="assigned",
                             institution_id=institution.id, distance_km=round(km, 2), created_at=clock.now())
    db.session.add(request)
    db.session.flush()
    if order is not None:
        order.used_by = request.id
    nurse_id = _least_busy_nurse(institution.id)
    grace = timedelta(minutes=config["CARE_NURSING_CHECKOUT_GRACE_MINUTES"])
    visit = NursingVisit(request_id=request.id, nurse_user_id=nurse_id, institution_id=institution.id,
                         status="scheduled", due_out_at=request.window_end + timedelta(minutes=service["minutes"])
                         + grace)
    db.session.add(visit)
    db.session.flush()
    notifications.notify_user(nurse_id, "nursing_visit_assigned", f"Home visit: {service['display']}",
                              f"{request.address}, {request.window_start.isoformat()} to "
                              f"{request.window_end.isoformat()}", {"visit_id": visit.id})
    record_access(actor, "create", f"NursingRequest/{request.id}", f"Patient/{request.patient_id}")
    request.visit = visit
    return request


def may_see_request(actor, request):
    if actor.is_admin:
        return True
    if actor.role == "patient":
        return request.patient_id == actor.patient_id
    if actor.role == "nurse":
        return nurse_institution(actor) == request.institution_id
    return actor.role == "doctor" and auth.has_relationship(actor, "cares_for_patient", request.patient_id)


def visible_request(actor, request_id, action="read"):
    request = db.session.get(NursingRequest, request_id)
    if request is None:
        raise ApiError(404, "not_found", "No such nursing request.")
    if not may_see_request(actor, request):
        record_access(actor, action, f"NursingRequest/{request.id}", f"Patient/{request.patient_id}",
                      outcome="denied", detail={"reason": "not the patient's, their institution's or an admin's"})
        raise ApiError(404, "not_found", "No such nursing request.")
    record_access(actor, action, f"NursingRequest/{request.id}", f"Patient/{request.patient_id}")
    request.visit = db.session.scalar(select(NursingVisit).where(NursingVisit.request_id == request.id))
    return request


def list_requests(actor):
    """A patient's own requests, a nurse's institution's, every one for an admin; a doctor: none listed here."""
    stmt = select(NursingRequest)
    if actor.role == "patient":
        stmt = stmt.where(NursingRequest.patient_id == actor.patient_id)
    elif actor.role == "nurse":
        stmt = stmt.where(NursingRequest.institution_id == nurse_institution(actor))
    elif not actor.is_admin:
        stmt = stmt.where(False)
    return stmt.order_by(NursingRequest.created_at.desc(), NursingRequest.id)
