"""Legal holds: an admin places one on a patient, a consultation or a prescription chain with a reason, and lifts
it with a reason; while it stands nothing it covers is deleted by any path: records asks the guard installed
here before every FHIR delete (records.api.register_deletion_guard), and the retention job skips what it covers.
Placing and lifting are audited."""
import json

from sqlalchemy import select

from clinic.consult import Consultation
from compliance.models import LegalHold
from core import clock
from core.audit import record_access
from core.auth import SYSTEM
from core.errors import ApiError
from core.extensions import db
from pharmacy import services as pharmacy
from records import api as records

TARGET_TYPES = ("Patient", "Consultation", "Prescription")


def active_holds():
    """The holds standing now."""
    return db.session.scalars(select(LegalHold).where(LegalHold.lifted_at.is_(None))
                              .order_by(LegalHold.placed_at, LegalHold.id)).all()


def _patient_of(target_type, target_id):
    """The patient id the target belongs to; 422 when there is no such target."""
    if target_type == "Patient":
        try:
            records.read(SYSTEM, "Patient", target_id)
        except records.FhirError:
            raise ApiError(422, "unknown_target", f"There is no Patient/{target_id}.") from None
        return target_id
    if target_type == "Consultation":
        consultation = db.session.get(Consultation, target_id)
        if consultation is None:
            raise ApiError(422, "unknown_target", f"There is no Consultation/{target_id}.")
        return consultation.patient_id
    chain = pharmacy.prescription_chain(target_id)
    if chain is None:
        raise ApiError(422, "unknown_target", f"There is no Prescription/{target_id}.")
    return chain["prescription"]["patient_id"]


def place_hold(actor, target_type, target_id, reason):
    """Place a hold (another on the same target may stand beside it: each is lifted on its own)."""
    patient_id = _patient_of(target_type, target_id)
    hold = LegalHold(target_type=target_type, target_id=target_id, reason=reason.strip(), placed_by=actor.user_id,
                     placed_at=clock.now())
    db.session.add(hold)
    db.session.flush()
    record_access(actor, "hold", f"{target_type}/{target_id}", f"Patient/{patient_id}",
                  detail={"hold": hold.id, "reason": hold.reason})
    return hold


def lift_hold(actor, hold_id, reason):
    """Lift a standing hold; 404 when unknown, 409 when already lifted."""
    hold = db.session.get(LegalHold, hold_id, with_for_update=True)
    if hold is None:
        raise ApiError(404, "not_found", "No such hold.")
    if hold.lifted_at is not None:
        raise ApiError(409, "hold_lifted", f"The hold was lifted at {hold.lifted_at.isoformat()}.")
    hold.lifted_at, hold.lifted_by, hold.lift_reason = clock.now(), actor.user_id, reason.strip()
    db.session.flush()
    record_access(actor, "lift-hold", f"{hold.target_type}/{hold.target_id}", None,
                  detail={"hold": hold.id, "reason": hold.lift_reason})
    return hold


def get_hold(hold_id):
    """One hold, or 404."""
    hold = db.session.get(LegalHold, hold_id)
    if hold is None:
        raise ApiError(404, "not_found", "No such hold.")
    return hold


def _covers(hold, resource_type, resource_id, resource, patient_ids):
    if hold.target_type == "Patient":
        return hold.target_id in patient_ids or (resource_type, resource_id) == ("Patient", hold.target_id)
    if hold.target_type == "Consultation":
        consultation = db.session.get(Consultation, hold.target_id)
        encounter = consultation and consultation.encounter_id and f"Encounter/{consultation.encounter_id}"
        return bool(encounter) and (f"{resource_type}/{resource_id}" == encounter
                                    or f'"{encounter}"' in json.dumps(resource or {}))
    chain = pharmacy.prescription_chain(hold.target_id)
    return bool(chain) and f"{resource_type}/{resource_id}" in chain["fhir"]


def deletion_refusal(resource_type, resource_id, resource, patient_ids):
    """records' deletion guard: why the resource is kept (the hold covering it), or None."""
    for hold in active_holds():
        if _covers(hold, resource_type, resource_id, resource, set(patient_ids or ())):
            return f"it is under legal hold {hold.id} on {hold.target_type}/{hold.target_id} ({hold.reason})"
    return None


def held_scope():
    """What the standing holds cover, for the retention job: {"patients", "consultations", "prescriptions"}."""
    scope = {"patients": set(), "consultations": set(), "prescriptions": set()}
    for hold in active_holds():
        scope[{"Patient": "patients", "Consultation": "consultations",
               "Prescription": "prescriptions"}[hold.target_type]].add(hold.target_id)
    return scope
