"""Inspections: a doctor orders a test for a patient in their care; the patient books it at an institution that
offers it (one of its places that day, taken by a conditional upsert, so a full day refuses); staff of the
performing institution, the ordering doctor or an admin enter the result; the ordering doctor is told, abnormal
values flagged. Every read and write of an order is audited."""
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from clinic.directory import Doctor, DoctorInstitution, Institution
from clinic.directory import services as directory
from clinic.inspections import fhir
from clinic.inspections.catalogue import TESTS, flag
from clinic.inspections.models import InspectionDay, InspectionOffer, InspectionOrder, InspectionResult
from clinic.notifications import services as notifications
from core import auth, clock, dbutil
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from core.models import User
from core.transaction import serialise_on

BOOK_AHEAD_DAYS = 60


def _invalid(field, message):
    return ApiError(422, "validation_error", "One or more fields are invalid.", title="Request validation failed",
                    errors=[{"field": field, "message": message}])


def _org(institution_id):
    return f"Organization/org-{institution_id}" if institution_id else None


def _practitioner(order):
    return db.session.get(Doctor, order.doctor_id).practitioner_id


def _user_of_patient(patient_id):
    return db.session.scalar(select(User.id).where(User.patient_id == patient_id, User.role == "patient"))


def order_test(actor, body):
    """A doctor orders a test for a patient in their care; the patient is told to book it."""
    doctor = directory.doctor_for_actor(actor)
    patient_id = body["patient_id"]
    if doctor is None:
        raise ApiError(403, "forbidden", "Only a doctor of the directory orders inspections.")
    if not auth.has_relationship(actor, "cares_for_patient", patient_id):
        record_access(actor, "create", "ServiceRequest", f"Patient/{patient_id}", outcome="denied",
                      detail={"reason": "no care relationship with the patient"})
        raise ApiError(403, "forbidden", "You may order inspections only for a patient in your care.")
    user_id = _user_of_patient(patient_id)
    if user_id is None:
        raise _invalid("patient_id", "no such patient")
    order = InspectionOrder(patient_id=patient_id, doctor_id=doctor.id, test_code=body["test"],
                            reason=body.get("reason"), status="ordered", created_at=clock.now())
    db.session.add(order)
    db.session.flush()
    fhir.write_request(order, doctor.practitioner_id)
    notifications.notify_user(user_id, "inspection_ordered", f"Test ordered: {TESTS[order.test_code]['display']}",
                              "Please book it at an institution that offers it.", {"service_request_id": order.id})
    record_access(actor, "create", f"ServiceRequest/{fhir.request_id(order.id)}", f"Patient/{patient_id}")
    return order


def may_see(actor, order):
    if actor.is_admin:
        return True
    if actor.role == "patient":
        return order.patient_id == actor.patient_id
    if actor.role == "doctor":
        return order.doctor_id == directory.own_doctor_id(actor) or _works_at(actor, order.institution_id) \
            or auth.has_relationship(actor, "cares_for_patient", order.patient_id)
    return False


def _works_at(actor, institution_id):
    doctor_id = directory.own_doctor_id(actor)
    return bool(institution_id and doctor_id and db.session.scalar(select(DoctorInstitution.id).where(
        DoctorInstitution.doctor_id == doctor_id, DoctorInstitution.institution_id == institution_id)))


def visible_order(actor, order_id, action="read"):
    order = db.session.get(InspectionOrder, order_id)
    if order is None:
        raise ApiError(404, "not_found", "No such service request.")
    if not may_see(actor, order):
        record_access(actor, action, f"ServiceRequest/{fhir.request_id(order.id)}", f"Patient/{order.patient_id}",
                      outcome="denied", detail={"reason": "not the patient's, their doctor's or an admin's"})
        raise ApiError(404, "not_found", "No such service request.")
    record_access(actor, action, f"ServiceRequest/{fhir.request_id(order.id)}", f"Patient/{order.patient_id}")
    return order


def list_orders(actor, patient_id=None, status=None):
    """The orders the caller may see: a patient's own; a doctor's (or a patient's in their care)."""
    stmt = select(InspectionOrder).where(InspectionOrder.status == status) if status else select(InspectionOrder)
    return directory.patient_rows_for(actor, stmt, InspectionOrder, patient_id, "ServiceRequest", "orders")


def save_offer(body):
    """An admin sets what an institution offers and how many a day (an update replaces the capacity)."""
    if db.session.get(Institution, body["institution_id"]) is None:
        raise _invalid("institution_id", "no such institution")
    offer = db.session.scalar(select(InspectionOffer).where(InspectionOffer.institution_id == body["institution_id"],
                                                            InspectionOffer.test_code == body["test"]))
    if offer is None:
        offer = InspectionOffer(institution_id=body["institution_id"], test_code=body["test"])
        db.session.add(offer)
    offer.daily_capacity = body["daily_capacity"]
    db.session.flush()
    return offer


def places(test_code, day, near=None):
    """Institutions offering the test with the places left on `day`, nearest first when `near` is given."""
    offers = db.session.execute(select(InspectionOffer, Institution).join(
        Institution, Institution.id == InspectionOffer.institution_id).where(
        InspectionOffer.test_code == test_code, Institution.is_active.is_(True))).all()
    answer = []
    for offer, institution in offers:
        taken = db.session.scalar(select(InspectionDay.taken).where(
            InspectionDay.institution_id == institution.id, InspectionDay.test_code == test_code,
            InspectionDay.day == day)) or 0
        distance = None
        if near and institution.latitude is not None:
            distance = round(directory.distance_km(near[0], near[1], institution.latitude, institution.longitude), 2)
        answer.append({"institution_id": institution.id, "name": institution.name, "day": day,
                       "capacity": offer.daily_capacity, "left": max(0, offer.daily_capacity - taken),
                       "distance_km": distance})
    return sorted(answer, key=lambda p: (p["distance_km"] is None, p["distance_km"] or 0, p["name"]))


def book(actor, order, institution_id, day):
    """The patient books the order at an institution on a local day: one of its places, or 409 `day_full`."""
    if actor.role != "patient":
        raise ApiError(403, "forbidden", "The patient books their own inspection.")
    serialise_on(f"inspection:{order.id}")
    db.session.refresh(order)
    if order.status != "ordered":
        raise ApiError(409, "not_bookable", f"The order is {order.status}.")
    offer = db.session.scalar(select(InspectionOffer).where(InspectionOffer.institution_id == institution_id,
                                                            InspectionOffer.test_code == order.test_code))
    if offer is None:
        raise _invalid("institution_id", "does not offer this test")
    institution = db.session.get(Institution, institution_id)
    today = clock.now().astimezone(ZoneInfo(institution.timezone)).date()
    if not today <= day <= today + timedelta(days=BOOK_AHEAD_DAYS):
        raise _invalid("date", f"must be from today to {BOOK_AHEAD_DAYS} days ahead")
    taken = dbutil.insert_or_increment(InspectionDay, {"institution_id": institution_id, "test_code":
                                                       order.test_code, "day": day},
                                       ("institution_id", "test_code", "day"), "taken", below=offer.daily_capacity)
    if taken is None:
        raise ApiError(409, "day_full", "No place is left that day: choose another day or institution.")
    order.status, order.institution_id, order.booked_on = "booked", institution_id, day
    db.session.flush()
    fhir.write_request(order, _practitioner(order), _org(institution_id))
    return order


def report(actor, order, body):
    """Enter the result (the performing institution's doctor, the ordering doctor or an admin): values checked
    against the catalogue, flagged against the reference ranges; the ordering doctor and the patient are told."""
    if not (actor.is_admin or order.doctor_id == directory.own_doctor_id(actor)
            or _works_at(actor, order.institution_id)):
        raise ApiError(403, "forbidden", "Only the performing institution, the ordering doctor or an admin reports.")
    serialise_on(f"inspection:{order.id}")
    db.session.refresh(order)
    if order.status in ("reported", "cancelled"):
        raise ApiError(409, "already_reported" if order.status == "reported" else "cancelled",
                       f"The order is {order.status}.")
    test = TESTS[order.test_code]
    given = {item["code"]: item["value"] for item in body.get("results", [])}
    expected = {spec["code"]: spec for spec in test["results"]}
    unknown = sorted(set(given) - set(expected))
    if unknown:
        raise _invalid("results", f"unknown codes for this test: {', '.join(unknown)}")
    missing = sorted(set(expected) - set(given))
    if missing:
        raise _invalid("results", f"missing: {', '.join(missing)}")
    if not expected and not body.get("conclusion"):
        raise _invalid("conclusion", "is required for an examination")
    order.reported_at, order.reported_by = clock.now(), actor.user_id
    order.conclusion, order.status = body.get("conclusion"), "reported"
    rows = []
    for position, spec in enumerate(test["results"], start=1):
        value = given[spec["code"]]
        rows.append(InspectionResult(order_id=order.id, position=position, code=spec["code"], display=spec["display"],
                                     value=value, unit=spec["unit"], low=spec["low"], high=spec["high"],
                                     flag=flag(spec, value)))
    db.session.add_all(rows)
    order.abnormal = any(row.flag != "N" for row in rows) or bool(body.get("abnormal"))
    db.session.flush()
    fhir.write_request(order, _practitioner(order), _org(order.institution_id))
    fhir.write_report(order, rows, _org(order.institution_id))
    _tell(order)
    record_access(actor, "create", f"DiagnosticReport/{fhir.report_id(order.id)}", f"Patient/{order.patient_id}")
    return order


def _tell(order):
    title = f"Result ready: {TESTS[order.test_code]['display']}" + (" (abnormal)" if order.abnormal else "")
    data = {"service_request_id": order.id, "abnormal": order.abnormal,
            "report": f"DiagnosticReport/{fhir.report_id(order.id)}"}
    doctor = db.session.get(Doctor, order.doctor_id)
    for user_id in db.session.scalars(select(User.id).where(User.practitioner_id == doctor.practitioner_id,
                                                            User.role == "doctor")):
        notifications.notify_user(user_id, "inspection_result", title, None, data)
    notifications.notify_user(_user_of_patient(order.patient_id), "inspection_result", title, None, data)


def results_of(order):
    return list(db.session.scalars(select(InspectionResult).where(InspectionResult.order_id == order.id)
                                   .order_by(InspectionResult.position)))
