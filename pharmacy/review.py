"""Pharmacist review: the queue of signed prescriptions and the approve/reject decision (approval needs every
pre-review flag decided and none upheld: pharmacy.review_item)."""
from sqlalchemy import select, update

from core import clock, reporting
from core.audit import audited, record_access
from core.errors import ApiError
from core.extensions import db
from pharmacy import access, fhir_sync, hooks, review_item
from pharmacy.models import Prescription
from pharmacy.prescriptions import APPROVED, PENDING_REVIEW, REJECTED, items_of

OUTCOME = {"approve": APPROVED, "reject": REJECTED}


@audited("search")
def list_review_queue(actor, page):
    """The page (a core.pagination.Page) of the prescriptions waiting for review, oldest first (reviewers only)."""
    access.require_reviewer(actor)
    rows = page.rows(select(Prescription).where(Prescription.status == PENDING_REVIEW)
                     .order_by(Prescription.issued_at, Prescription.id))
    record_access(actor, "search", "Prescription?status=pending_review", None,
                  detail={"count": len(rows), "patients": sorted({f"Patient/{r.patient_id}" for r in rows})[:50]})
    return rows


@audited("update")
def review_prescription(actor, prescription_id, decision, reason=None):
    """Approve or reject a pending prescription; repeating the same decision changes nothing (changed=False)."""
    review_item.lock_review(prescription_id)  # first: flag decisions of this prescription wait for this answer
    access.require_reviewer(actor)
    prescription = access.load_prescription(actor, prescription_id, action="update")
    db.session.refresh(prescription)
    wanted = OUTCOME[decision]
    if decision == "reject" and not (reason or "").strip():
        raise ApiError(422, "reason_required", "A rejection needs a reason the doctor and patient can read.")
    if decision == "approve" and prescription.status == PENDING_REVIEW:
        review_item.require_approvable(prescription)
    now = clock.now()
    # The conditional update decides between two reviewers answering at once.
    done = db.session.execute(
        update(Prescription).where(Prescription.id == prescription.id, Prescription.status == PENDING_REVIEW)
        .values(status=wanted, reviewed_by=actor.user_id, reviewed_at=now, review_reason=(reason or "").strip() or None)
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.refresh(prescription)
    if not done and prescription.status != wanted:
        raise ApiError(409, "already_reviewed", f"The prescription was already {prescription.status}.",
                       current_status=prescription.status)
    record_access(actor, "update", f"Prescription/{prescription.id}", f"Patient/{prescription.patient_id}",
                  detail={"review": wanted, "changed": done})
    if done:
        reporting.report(f"prescription.{wanted}", f"Prescription/{prescription.id}",
                         reporting.prescription_trace(prescription.id), actor=actor,
                         patient_ref=f"Patient/{prescription.patient_id}",
                         payload={"decision": wanted, "reason": prescription.review_reason})
        fhir_sync.prescription_reviewed(actor, prescription, items_of(prescription.id))
        hooks.notify(f"prescription.{wanted}", [f"Patient/{prescription.patient_id}",
                                                f"Practitioner/{prescription.practitioner_id}"],
                     {"prescription_id": prescription.id, "status": wanted, "reason": prescription.review_reason})
    return prescription, done
