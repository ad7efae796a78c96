"""Lists of prescriptions: a doctor's own (what they issued), a patient's own; newest first, filtered by
consultation, patient or status. Everyone else lists nothing here (reviewers have the review queue,
pharmacies their orders)."""
from collections import defaultdict

from sqlalchemy import select

from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from pharmacy.models import Prescription, PrescriptionItem
from pharmacy.prescriptions import view_prescription


def _scope(actor):
    if actor.role == "patient" and actor.patient_id:
        return Prescription.patient_id == actor.patient_id
    if actor.role == "doctor" and actor.practitioner_id:
        return Prescription.practitioner_id == actor.practitioner_id
    raise ApiError(403, "forbidden", "Only a prescription's patient and the doctor who issued it list prescriptions.")


def list_prescriptions(actor, page, consultation_id=None, patient_id=None, status=None):
    """The page of prescriptions the actor may list, as API views (items included), audited as one search."""
    stmt = select(Prescription).where(_scope(actor))
    filters = {"consultation_id": consultation_id, "patient_id": patient_id, "status": status}
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Prescription, name) == value)
    rows = page.rows(stmt.order_by(Prescription.issued_at.desc(), Prescription.id.desc()))
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v is not None)
    patients = sorted({f"Patient/{r.patient_id}" for r in rows})
    record_access(actor, "search", f"Prescription?{query}", patients[0] if len(patients) == 1 else None,
                  detail={"count": len(rows), "patients": patients[:50]})
    items = defaultdict(list)
    if rows:
        for item in db.session.scalars(select(PrescriptionItem).where(
                PrescriptionItem.prescription_id.in_([r.id for r in rows])).order_by(PrescriptionItem.position)):
            items[item.prescription_id].append(item)
    return [view_prescription(r, items[r.id]) for r in rows]
