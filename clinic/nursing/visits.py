"""A nurse's home visit: check-in and check-out with position (the distance from the address is kept), the
record written at check-out; a visit not checked out in time alerts its institution (jobs.py)."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from clinic.directory import services as directory
from clinic.measurements import canonical_values
from clinic.nursing import fhir
from clinic.nursing.catalogue import SERVICES
from clinic.nursing.models import NursingRequest, NursingVisit
from clinic.nursing.staff import nurse_institution
from core import clock, dbutil
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from core.models import User


def may_see_visit(actor, visit, request):
    if actor.is_admin:
        return True
    if actor.role == "patient":
        return request.patient_id == actor.patient_id
    return actor.role == "nurse" and (visit.nurse_user_id == actor.user_id
                                      or nurse_institution(actor) == visit.institution_id)


def visible_visit(actor, visit_id, action="read"):
    visit = db.session.get(NursingVisit, visit_id)
    request = db.session.get(NursingRequest, visit.request_id) if visit else None
    if visit is None:
        raise ApiError(404, "not_found", "No such visit.")
    if not may_see_visit(actor, visit, request):
        record_access(actor, action, f"NursingVisit/{visit.id}", f"Patient/{request.patient_id}", outcome="denied",
                      detail={"reason": "not the patient's, the nurse's, their institution's or an admin's"})
        raise ApiError(404, "not_found", "No such visit.")
    record_access(actor, action, f"NursingVisit/{visit.id}", f"Patient/{request.patient_id}")
    visit.request = request
    return visit


def list_visits(actor, status=None):
    stmt = select(NursingVisit).join(NursingRequest, NursingRequest.id == NursingVisit.request_id)
    if actor.role == "patient":
        stmt = stmt.where(NursingRequest.patient_id == actor.patient_id)
    elif actor.role == "nurse":
        stmt = stmt.where(NursingVisit.nurse_user_id == actor.user_id)
    elif not actor.is_admin:
        stmt = stmt.where(False)
    if status:
        stmt = stmt.where(NursingVisit.status == status)
    return stmt.order_by(NursingRequest.window_start, NursingVisit.id)


def _own(actor, visit):
    if visit.nurse_user_id != actor.user_id:
        raise ApiError(403, "forbidden", "Only the assigned nurse checks in and out.")


def check_in(actor, visit, lat, lon):
    """The assigned nurse arrives: scheduled -> in_progress (once), position and distance kept."""
    _own(actor, visit)
    now = clock.now()
    service = SERVICES[visit.request.service]
    grace = timedelta(minutes=current_app.config["CARE_NURSING_CHECKOUT_GRACE_MINUTES"])
    km = round(directory.distance_km(lat, lon, visit.request.latitude, visit.request.longitude), 3)
    changed = dbutil.conditional_update(NursingVisit, (NursingVisit.id == visit.id, NursingVisit.status == "scheduled"),
                                        {"status": "in_progress", "checked_in_at": now, "check_in_lat": lat,
                                         "check_in_lon": lon, "check_in_km": km,
                                         "due_out_at": now + timedelta(minutes=service["minutes"]) + grace})
    if changed != 1:
        raise ApiError(409, "not_scheduled", "The visit is checked in already.")
    db.session.refresh(visit)
    return visit


def check_out(actor, visit, body):
    """The nurse leaves: in_progress -> completed; the Encounter (HH), Procedure and Observations are written."""
    _own(actor, visit)
    observations = []
    for n, item in enumerate(body.get("observations", [])):
        values, errors = canonical_values(item["code"], item)
        if errors:
            raise ApiError(422, "validation_error", "One or more fields are invalid.",
                           errors=[{**e, "field": f"observations.{n}.{e['field']}"} for e in errors])
        observations.append((item["code"], values))
    changed = dbutil.conditional_update(NursingVisit, (NursingVisit.id == visit.id,
                                                       NursingVisit.status == "in_progress"),
                                        {"status": "completed", "checked_out_at": clock.now(),
                                         "check_out_lat": body["latitude"], "check_out_lon": body["longitude"],
                                         "note": body.get("note")})
    if changed != 1:
        raise ApiError(409, "not_in_progress", "Check in first; a visit is checked out once.")
    db.session.refresh(visit)
    visit.request.status = "completed"
    nurse = db.session.get(User, visit.nurse_user_id).name
    fhir.write_visit(visit, visit.request, nurse, f"Organization/org-{visit.institution_id}", observations,
                     body.get("procedure_note"))
    record_access(actor, "create", f"Encounter/{fhir.encounter_id(visit.id)}", f"Patient/{visit.request.patient_id}")
    return visit


def patient_of(visit):
    return db.session.get(NursingRequest, visit.request_id).patient_id
