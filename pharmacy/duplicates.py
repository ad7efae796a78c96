"""Duplicate prescriptions: one live prescription per medicine and consultation, replaced only on purpose.

A double click, a retry without an `Idempotency-Key` or two tabs must not put the same medicine twice on
the way to the patient (issue: 5 simultaneous submissions made 5 prescriptions and two orders). Rules:
- an item list names each medicine (system and code) once (422 duplicate_items);
- while a prescription of the consultation is live (pending review or approved), a new one naming any of
  its medicines is refused (409 duplicate_prescription, naming it), unless the doctor says the new one
  replaces it (`replaces`): the old one is then marked replaced in the same transaction, which only works
  while no order has taken it (409 in_fulfilment otherwise);
- the check and the insert of one consultation run one at a time (core.transaction.serialise_on), and so
  does an order being placed for one of its prescriptions, so no race slips past the rules.
"""
from sqlalchemy import select, update

from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from core.transaction import serialise_on
from pharmacy import states
from pharmacy.models import Order, Prescription, PrescriptionItem

PENDING_REVIEW, APPROVED, REPLACED = "pending_review", "approved", "replaced"
LIVE = (PENDING_REVIEW, APPROVED)


def lock_consultation(consultation_id):
    """Serialise the prescribing and ordering work of one consultation until the transaction ends."""
    serialise_on(f"prescriptions:{consultation_id}")


def check_items_distinct(items):
    """422 when a normalised item list names one medicine twice."""
    seen, repeated = set(), set()
    for item in items:
        key = (item["system"], item["code"])
        (repeated if key in seen else seen).add(key)
    if repeated:
        raise ApiError(422, "duplicate_items", "A prescription names each medicine once; put the whole quantity "
                       "and the dosage on one item.", codes=sorted(code for _, code in repeated))


def _medicines(prescription_id):
    return set(db.session.execute(select(PrescriptionItem.system, PrescriptionItem.code)
                                  .where(PrescriptionItem.prescription_id == prescription_id)).all())


def _replaceable(consultation_id, replaces, live):
    replaced = next((p for p in live if p.id == replaces), None)
    if replaced is None:
        other = db.session.get(Prescription, replaces)
        if other is None or other.consultation_id != consultation_id:
            raise ApiError(422, "unknown_replaced_prescription",
                           "`replaces` must name a prescription of the same consultation.")
        raise ApiError(409, "not_replaceable", f"The prescription is {other.status}; only a pending or approved "
                       "one can be replaced.", current_status=other.status)
    order_id = db.session.scalar(select(Order.id).where(Order.prescription_id == replaced.id,
                                                        Order.status != states.CANCELLED))
    if order_id:
        raise ApiError(409, "in_fulfilment", "The prescription is already being filled; the patient must cancel "
                       "the order before it can be replaced.", order_id=order_id)
    return replaced


def check_consultation(consultation_id, items, replaces=None):
    """Apply the rules above (the caller holds lock_consultation); return the prescription to replace, or None."""
    live = db.session.scalars(select(Prescription).where(Prescription.consultation_id == consultation_id,
                                                         Prescription.status.in_(LIVE))
                              .execution_options(populate_existing=True)).all()
    replaced = _replaceable(consultation_id, replaces, live) if replaces else None
    wanted = {(item["system"], item["code"]) for item in items}
    clashes = {p.id: wanted & _medicines(p.id) for p in live if p is not replaced}
    clashes = {pid: codes for pid, codes in clashes.items() if codes}
    if clashes:
        raise ApiError(409, "duplicate_prescription", "This consultation already has a live prescription for "
                       "the same medicine; to change it, send `replaces` with its id.",
                       existing=sorted(clashes), codes=sorted(code for codes in clashes.values() for _, code in codes))
    return replaced


def mark_replaced(actor, replaced, successor):
    """The replaced prescription leaves review and can no longer be ordered (the caller holds the lock)."""
    done = db.session.execute(
        update(Prescription).where(Prescription.id == replaced.id, Prescription.status.in_(LIVE))
        .values(status=REPLACED).execution_options(synchronize_session=False)).rowcount == 1
    if not done:  # only possible if someone changed it without the lock: refuse rather than guess
        raise ApiError(409, "not_replaceable", "The prescription changed while it was being replaced; try again.")
    db.session.refresh(replaced)
    record_access(actor, "update", f"Prescription/{replaced.id}", f"Patient/{replaced.patient_id}",
                  detail={"replaced_by": successor.id})
