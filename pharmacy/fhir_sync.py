"""FHIR resources derived from pharmacy's tables, written through records.api in the caller's transaction.

The pharmacy tables are the source of truth for prescriptions, review, routing and fulfilment; the
FHIR resources are derived views for the clinical record and are never read back to decide
anything. They are written as core.auth.SYSTEM (pharmacy has already checked the acting user; the
records rules let neither pharmacists nor, without a care relationship, doctors write), and name
the real people inside (requester, Provenance agent, dispense performer). Ids are derived from
pharmacy ids and written with update-as-create, so a repeated write is a new version, never a
second resource.

- signed prescription -> one MedicationRequest per item (status on-hold: awaiting pharmacist
  review) + a Provenance carrying the doctor's Ed25519 signature over the canonical form;
- review -> MedicationRequest status active (approved) or cancelled (rejected, with the reason);
- replaced by a later prescription of the consultation -> its MedicationRequests cancelled, naming the
  successor, whose MedicationRequests name them as priorPrescription;
- dispensed -> one MedicationDispense per item (completed for pickup; in-progress while out for
  delivery, completed on delivery) and the MedicationRequests become completed.

`register_views` (called by pharmacy.services.init_app) declares them to records.derived (through records.api): the FHIR API
refuses to write them for anyone but the system; they change through the app API only.
"""
import re

from sqlalchemy import select

from core.auth import SYSTEM
from core.extensions import db
from pharmacy import canonical, catalogue
from pharmacy.models import Prescription, PrescriptionItem
from records import api as records

PRESCRIPTION_SYSTEM = "urn:cloud-hospital:prescription"
PHARMACY_SYSTEM = "urn:cloud-hospital:pharmacy"
DISPENSE_SYSTEM = "urn:cloud-hospital:dispense"
REQUEST_STATUS = {"pending_review": "on-hold", "approved": "active", "rejected": "cancelled", "replaced": "cancelled",
                  "dispensed": "completed"}
DAYS = {"unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}


def request_id(prescription_id, position):
    """The FHIR id of the MedicationRequest of one prescription item."""
    return f"{prescription_id}-{position}"


def _medication(item):
    return {"coding": [{"system": item.system, "code": item.code, "display": item.display}], "text": item.display}


def _unit(item):
    entry = catalogue.lookup(item.code, item.system)
    return entry["unit"] if entry else "unit"


def _dosage(item):
    return [{"text": f"{item.dose}, {item.frequency}, {item.route}", "route": {"text": item.route}}]


def _medication_request(prescription, item, status, prior=None, reason=None):
    resource = {
        "resourceType": "MedicationRequest",
        "identifier": [{"system": PRESCRIPTION_SYSTEM, "value": f"{prescription.id}#{item.position}"}],
        "groupIdentifier": {"system": PRESCRIPTION_SYSTEM, "value": prescription.id},
        "status": REQUEST_STATUS[status],
        "intent": "order",
        "medicationCodeableConcept": _medication(item),
        "subject": {"reference": f"Patient/{prescription.patient_id}"},
        "authoredOn": canonical.utc_text(prescription.issued_at),
        "requester": {"reference": f"Practitioner/{prescription.practitioner_id}"},
        "dosageInstruction": _dosage(item),
        "dispenseRequest": {"quantity": {"value": item.quantity, "unit": _unit(item)},
                            "expectedSupplyDuration": {"value": item.days_supply, **DAYS}},
    }
    if (prescription.encounter_ref or "").startswith("Encounter/"):
        resource["encounter"] = {"reference": prescription.encounter_ref}
    if item.notes:
        resource["note"] = [{"text": item.notes}]
    if status == "pending_review":
        resource["statusReason"] = {"text": "awaiting pharmacist review"}
    elif status == "rejected" and prescription.review_reason:
        resource["statusReason"] = {"text": prescription.review_reason}
    elif reason:
        resource["statusReason"] = {"text": reason}
    if prior:
        resource["priorPrescription"] = {"reference": f"MedicationRequest/{prior}"}
    return resource


def _prior_requests(prescription):
    """medicine (system, code) -> the MedicationRequest id of the replaced prescription naming it."""
    if not prescription.replaces_id:
        return {}
    rows = db.session.execute(select(PrescriptionItem.system, PrescriptionItem.code, PrescriptionItem.position)
                              .where(PrescriptionItem.prescription_id == prescription.replaces_id))
    return {(system, code): request_id(prescription.replaces_id, position) for system, code, position in rows}


def _write_requests(prescription, items, status, reason=None):
    prior = _prior_requests(prescription)
    for item in items:
        rid = request_id(prescription.id, item.position)
        records.update(SYSTEM, "MedicationRequest", rid, _medication_request(
            prescription, item, status, prior=prior.get((item.system, item.code)), reason=reason))
        item.medication_request_id = rid


def prescription_signed(actor, prescription, items):
    """Write the MedicationRequests (on-hold) and the Provenance carrying the doctor's signature."""
    _write_requests(prescription, items, "pending_review")
    signed = canonical.utc_text(prescription.issued_at)
    doctor = {"reference": f"Practitioner/{prescription.practitioner_id}"}
    provenance_id = f"{prescription.id}-signature"
    records.update(SYSTEM, "Provenance", provenance_id, {
        "resourceType": "Provenance",
        "target": [{"reference": f"MedicationRequest/{request_id(prescription.id, i.position)}"} for i in items],
        "recorded": signed,
        "policy": [f"urn:cloud-hospital:prescription-signature:ed25519:{prescription.key_id}"],
        "agent": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                                        "code": "author"}]}, "who": doctor}],
        "signature": [{
            "type": [{"system": "urn:iso-astm:E1762-95:2013", "code": "1.2.840.10065.1.12.1.1",
                      "display": "Author's Signature"}],
            "when": signed, "who": doctor,
            # The signed bytes are the canonical JSON of pharmacy.canonical (not the FHIR resources).
            "targetFormat": "application/json", "sigFormat": "application/octet-stream",
            "data": prescription.signature,
        }],
    })
    prescription.provenance_id = provenance_id


def prescription_reviewed(actor, prescription, items):
    """Set the MedicationRequests' status after review (active or cancelled with the reason)."""
    _write_requests(prescription, items, prescription.status)


def prescription_replaced(actor, prescription, items, successor):
    """Cancel the MedicationRequests of a replaced prescription, naming the one that replaced it."""
    _write_requests(prescription, items, "replaced", reason=f"replaced by prescription {successor.id}")


def _medication_dispense(order, dispense, item, pharmacy, status):
    moment = canonical.utc_text(dispense.dispensed_at)
    resource = {
        "resourceType": "MedicationDispense",
        "identifier": [{"system": DISPENSE_SYSTEM, "value": f"{dispense.id}#{item.position}"}],
        "status": status,
        "medicationCodeableConcept": _medication(item),
        "subject": {"reference": f"Patient/{order.patient_id}"},
        "performer": [{"actor": {"identifier": {"system": PHARMACY_SYSTEM, "value": pharmacy.id},
                                 "display": pharmacy.name}}],
        "authorizingPrescription": [{"reference": f"MedicationRequest/{request_id(order.prescription_id, item.position)}"}],
        "quantity": {"value": item.quantity, "unit": _unit(item)},
        "daysSupply": {"value": item.days_supply, **DAYS},
        "whenPrepared": moment,
        "dosageInstruction": _dosage(item),
    }
    if status == "completed":
        resource["whenHandedOver"] = moment
    if order.mode == "delivery":
        resource["type"] = {"text": "home delivery"}
    return resource


def order_dispensed(actor, order, dispense, items, pharmacy):
    """Write one MedicationDispense per item (once: ids derive from the dispense); requests become completed."""
    status = "in-progress" if order.mode == "delivery" else "completed"
    ids = []
    for item in items:
        did = f"{dispense.id}-{item.position}"
        records.update(SYSTEM, "MedicationDispense", did, _medication_dispense(order, dispense, item, pharmacy, status))
        ids.append(did)
    prescription = db.session.get(Prescription, order.prescription_id)
    _write_requests(prescription, items, "dispensed")
    return ids


def order_delivered(actor, order, dispense, items, pharmacy):
    """The courier handed the drugs over: the MedicationDispenses become completed."""
    for item in items:
        records.update(SYSTEM, "MedicationDispense", f"{dispense.id}-{item.position}",
                       _medication_dispense(order, dispense, item, pharmacy, "completed"))



SIGNATURE_POLICY = "urn:cloud-hospital:prescription-signature:"
SIGNATURE_ID = re.compile(r"[0-9a-f]{32}-signature")


def _is_signature(resource_id, resource):
    # Our ids are "<prescription id: 32 hex>-signature"; another system's "consent-signature" is not ours.
    return bool(SIGNATURE_ID.fullmatch(str(resource_id or ""))) or any(
        isinstance(p, str) and p.startswith(SIGNATURE_POLICY) for p in (resource or {}).get("policy") or ())


def register_views():
    """Declare the pharmacy's FHIR views to records.derived (idempotent), recognised by the identifier systems
    written above: our prescriptions exist only as signed, reviewed pharmacy rows. MedicationRequests and
    MedicationDispenses from outside (without those systems) are ordinary records: history, never orders
    this pharmacy fulfils (nothing here reads them back into pharmacy rows)."""
    prescribe = "POST /api/v1/prescriptions (signed by the doctor), POST /api/v1/prescriptions/{prescription_id}/review"
    records.register_view("MedicationRequest", maintainer="pharmacy", path=prescribe,
                          match=records.identifier_system(PRESCRIPTION_SYSTEM))
    records.register_view("Provenance", maintainer="pharmacy", path=prescribe, match=_is_signature)
    records.register_view("MedicationDispense", maintainer="pharmacy",
                          path="POST /api/v1/pharmacy/orders/{order_id}/picked-up (or /out-for-delivery, /delivered)",
                          match=records.identifier_system(DISPENSE_SYSTEM))
