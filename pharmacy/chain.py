"""A prescription chain as the stored rows tell it, for the supervision trace (GET /api/v1/trace/{id}): the
prescription with its signature checked again, its orders and dispenses, and the FHIR resources derived from
them. No access rule here: the caller (compliance, for regulators and admins) checks the role and audits."""
import json

from sqlalchemy import select

from core.extensions import db
from core.models import User
from pharmacy import canonical, signing
from pharmacy.fhir_sync import request_id
from pharmacy.models import Dispense, Order, Prescription
from pharmacy.prescriptions import document_of, items_of, view_prescription


def _user(user_id):
    user = db.session.get(User, user_id) if user_id else None
    return {"user_id": user_id, "name": user.name if user else None, "role": user.role if user else None}


def _order(order):
    dispense = db.session.scalar(select(Dispense).where(Dispense.order_id == order.id))
    return {"order_id": order.id, "mode": order.mode, "status": order.status, "pharmacy_id": order.pharmacy_id,
            "created_at": order.created_at, "updated_at": order.updated_at,
            "dispense": None if dispense is None else {
                "dispense_id": dispense.id, "pharmacy_id": dispense.pharmacy_id, "dispensed_at": dispense.dispensed_at,
                "dispensed_by": _user(dispense.dispensed_by),
                "fhir": [f"MedicationDispense/{i}" for i in json.loads(dispense.medication_dispense_ids or "[]")]}}


def prescription_chain(prescription_id):
    """The chain of one prescription, or None when there is no such prescription."""
    prescription = db.session.get(Prescription, prescription_id)
    if prescription is None:
        return None
    items = items_of(prescription.id)
    valid = signing.verify(prescription.key_id, canonical.canonical_bytes(document_of(prescription, items)),
                           prescription.signature)
    orders = db.session.scalars(select(Order).where(Order.prescription_id == prescription.id)
                                .order_by(Order.created_at, Order.id)).all()
    fhir = [f"MedicationRequest/{request_id(prescription.id, item.position)}" for item in items]
    if prescription.provenance_id:
        fhir.append(f"Provenance/{prescription.provenance_id}")
    if prescription.encounter_ref:
        fhir.append(prescription.encounter_ref)
    return {
        "prescription": view_prescription(prescription, items),
        "signature": {"valid": valid, "algorithm": "Ed25519", "key_id": prescription.key_id,
                      "signed_at": prescription.issued_at, "signer": _user(prescription.prescriber_user_id),
                      "public_key": signing.public_key_pem(prescription.key_id)},
        "reviewer": _user(prescription.reviewed_by) if prescription.reviewed_by else None,
        "orders": [_order(order) for order in orders],
        "fhir": fhir + [ref for order in orders for ref in (_order(order)["dispense"] or {}).get("fhir", [])],
    }
