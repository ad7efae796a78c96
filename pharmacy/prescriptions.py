"""Issuing, reading and verifying signed e-prescriptions."""
import json

from sqlalchemy import select

from core import clock, reporting
from core.audit import audited, record_access
from core.errors import ApiError
from core.extensions import db
from core.models import User
from core.types import new_id
from pharmacy import access, canonical, catalogue, duplicates, fhir_sync, hooks, review_item, signing
from pharmacy.models import Prescription, PrescriptionItem

PENDING_REVIEW, APPROVED, REJECTED, REPLACED = "pending_review", "approved", "rejected", duplicates.REPLACED


def items_of(prescription_id):
    """The items of a prescription in order."""
    return db.session.scalars(select(PrescriptionItem).where(PrescriptionItem.prescription_id == prescription_id)
                              .order_by(PrescriptionItem.position)).all()


def _item_dict(item):
    return {field: getattr(item, field) for field in canonical.ITEM_FIELDS}


def document_of(prescription, items=None):
    """The canonical document recomputed from the stored rows."""
    items = items if items is not None else items_of(prescription.id)
    return canonical.prescription_document(prescription.id, prescription.patient_id, prescription.practitioner_id,
                                           prescription.consultation_id, prescription.issued_at,
                                           [_item_dict(i) for i in items])


def _normalised_items(raw_items):
    items = []
    for raw in raw_items:
        item = {**raw, "code": raw["code"].strip().upper(), "system": raw.get("system") or catalogue.ATC}
        entry = catalogue.lookup(item["code"], item["system"])
        item["display"] = catalogue.display(entry) if entry else item["code"]
        item["notes"] = item.get("notes") or None
        items.append(item)
    return items


def _refuse(actor, patient_id, decision):
    record_access(actor, "create", "Prescription", f"Patient/{patient_id}", outcome="failed",
                  detail={"decision": decision.get("decision"), "ruleset_version": decision.get("ruleset_version")})
    raise ApiError(422, "prescription_refused", "The prescription was refused by the prescribing check.",
                   decision=decision.get("decision"), reasons=decision.get("reasons", []),
                   ruleset_version=decision.get("ruleset_version"))


@audited("create")
def issue_prescription(actor, consultation_id, raw_items, replaces=None):
    """Check, sign and store a prescription by the treating doctor; it waits for pharmacist review.
    `replaces`: the id of a live prescription of the same consultation this one replaces (pharmacy.duplicates)."""
    duplicates.lock_consultation(consultation_id)
    context = hooks.resolve_consultation(actor, consultation_id)
    if not actor.practitioner_id or context["practitioner_id"] != actor.practitioner_id:
        record_access(actor, "create", "Prescription", f"Patient/{context['patient_id']}", outcome="denied",
                      detail="not the treating doctor of the consultation")
        raise ApiError(403, "not_treating_doctor", "Only the treating doctor of the consultation may prescribe.")
    patient_id = context["patient_id"]
    items = _normalised_items(raw_items)
    duplicates.check_items_distinct(items)
    replaced = duplicates.check_consultation(consultation_id, items, replaces)
    own_gate = hooks.default_prescribe_check(actor, patient_id, items)
    if own_gate["decision"] == "deny":  # restricted or unknown drugs: refused whatever the installed hook says
        _refuse(actor, patient_id, own_gate)
    decision = hooks.check_prescribe(actor, patient_id, items, context)
    if decision.get("decision") not in hooks.ACCEPTED_DECISIONS:
        _refuse(actor, patient_id, decision)
    prescription = Prescription(id=new_id(), consultation_id=consultation_id, encounter_ref=context.get("encounter_ref"),
                                patient_id=patient_id, practitioner_id=actor.practitioner_id,
                                prescriber_user_id=actor.user_id, status=PENDING_REVIEW,
                                issued_at=clock.now().replace(microsecond=0),
                                check_result=json.dumps(decision, ensure_ascii=False, default=str),
                                replaces_id=replaced.id if replaced else None)
    rows = [PrescriptionItem(prescription_id=prescription.id, position=n, **{f: item.get(f) for f in canonical.ITEM_FIELDS})
            for n, item in enumerate(items)]
    message = canonical.canonical_bytes(document_of(prescription, rows))
    prescription.key_id, prescription.signature = signing.sign(actor.practitioner_id, message)
    db.session.add(prescription)
    db.session.flush()  # the parent row first: items reference it
    db.session.add_all(rows)
    db.session.flush()
    if replaced is not None:
        duplicates.mark_replaced(actor, replaced, prescription)
        fhir_sync.prescription_replaced(actor, replaced, items_of(replaced.id), prescription)
    # Before its own MedicationRequests exist, so the prescription is not its own "current medicine".
    review_item.store_review(actor, prescription, rows)
    fhir_sync.prescription_signed(actor, prescription, rows)
    record_access(actor, "create", f"Prescription/{prescription.id}", f"Patient/{patient_id}")
    reporting.report("prescription.signed", f"Prescription/{prescription.id}",
                     reporting.prescription_trace(prescription.id), patient_ref=f"Patient/{patient_id}", actor=actor,
                     payload={"consultation_id": consultation_id, "practitioner_id": actor.practitioner_id,
                              "replaces": replaced.id if replaced else None, "key_id": prescription.key_id,
                              "signature": prescription.signature, "issued_at": prescription.issued_at,
                              "items": [{"code": i["code"], "display": i["display"], "quantity": i.get("quantity")}
                                        for i in items]})
    event = {"prescription_id": prescription.id, "status": PENDING_REVIEW}
    if replaced is not None:
        event["replaces"] = replaced.id
    hooks.notify("prescription.issued", [f"Patient/{patient_id}"], event)
    hooks.notify("prescription.to_review", [f"Pharmacy/{pid}" for pid in access.reviewing_pharmacy_ids()], event)
    return prescription


@audited("read")
def read_prescription(actor, prescription_id):
    """A prescription the actor may see (404 otherwise)."""
    prescription = access.load_prescription(actor, prescription_id)
    record_access(actor, "read", f"Prescription/{prescription.id}", f"Patient/{prescription.patient_id}")
    return prescription


@audited("verify")
def verify_prescription(actor, prescription_id):
    """Recompute the canonical form from the stored rows and check the doctor's signature."""
    prescription = access.load_prescription(actor, prescription_id, action="verify")
    message = canonical.canonical_bytes(document_of(prescription))
    valid = signing.verify(prescription.key_id, message, prescription.signature)
    signer = db.session.get(User, prescription.prescriber_user_id)
    record_access(actor, "verify", f"Prescription/{prescription.id}", f"Patient/{prescription.patient_id}",
                  detail={"valid": valid})
    return {"valid": valid, "key_id": prescription.key_id, "signed_at": prescription.issued_at,
            "algorithm": "Ed25519", "public_key": signing.public_key_pem(prescription.key_id),
            "signer": {"practitioner_id": prescription.practitioner_id,
                       "name": signer.name if signer else None}}


def view_prescription(prescription, items=None):
    """The API representation of a prescription."""
    items = items if items is not None else items_of(prescription.id)
    return {
        "id": prescription.id, "status": prescription.status, "consultation_id": prescription.consultation_id,
        "replaces": prescription.replaces_id,
        "patient_id": prescription.patient_id, "practitioner_id": prescription.practitioner_id,
        "issued_at": prescription.issued_at,
        "signature": {"algorithm": "Ed25519", "key_id": prescription.key_id, "value": prescription.signature,
                      "signed_at": prescription.issued_at},
        "review": {"reviewed_by": prescription.reviewed_by, "reviewed_at": prescription.reviewed_at,
                   "reason": prescription.review_reason} if prescription.reviewed_at else None,
        "check": json.loads(prescription.check_result) if prescription.check_result else None,
        "items": [{**_item_dict(i), "position": i.position} for i in items],
    }
