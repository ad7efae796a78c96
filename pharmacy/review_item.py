"""The review item: the facts snapshot and pre-review flags stored at submission, and the decision on each flag.

- At submission (pharmacy.prescriptions.issue_prescription) the patient facts are gathered from the record
  (pharmacy.review_facts) and the flags computed (pharmacy.review_flags); both are stored, so what the
  pharmacist sees is what is judged even if the record changes later.
- A reviewer decides each flag once: `uphold` (the concern stands: the prescription cannot be approved,
  only rejected) or `override` (judged safe for this patient; a reason is required). Repeating the same
  decision changes nothing; a different one is a 409 naming who decided first, so no decision is lost.
- Approval (pharmacy.review) needs every flag decided and none upheld (`require_approvable`).
- Flag decisions and the approve/reject of one prescription run one at a time (`lock_review`), so a
  decision cannot slip in beside an approval that checked the flags before it.
"""
import json

from sqlalchemy import select, update

from core import clock
from core.audit import audited, record_access
from core.errors import ApiError
from core.extensions import db
from core.transaction import serialise_on
from pharmacy import access, catalogue, review_facts, review_flags
from pharmacy.models import ReviewFacts, ReviewFlag

PENDING_REVIEW = "pending_review"
DECISIONS = {"uphold": "upheld", "override": "overridden"}
MAX_FLAG_NUMBER = 2**31 - 1  # a larger number in the URL is no flag (and no integer overflow in the query)


def lock_review(prescription_id):
    """Serialise the review work (flag decisions, approve, reject) of one prescription until the transaction ends."""
    serialise_on(f"review:{prescription_id}")


def store_review(actor, prescription, items):
    """Gather the facts, compute the flags and store both with the prescription (the caller flushes it first)."""
    facts = review_facts.gather(actor, prescription.patient_id, prescription.id)
    rows = [{"position": i.position, "code": i.code, "system": i.system, "dose": i.dose, "frequency": i.frequency}
            for i in items]
    flags = review_flags.compute_flags(rows, facts, catalogue)
    db.session.add(ReviewFacts(prescription_id=prescription.id, gathered_at=clock.now(),
                               facts=json.dumps(facts, ensure_ascii=False)))
    db.session.add_all(ReviewFlag(prescription_id=prescription.id, number=n, key=f["key"][:200], code=f["code"],
                                  severity=f["severity"], item_position=f["item_position"], reason=f["reason"],
                                  citation=json.dumps(f["citation"], ensure_ascii=False) if f["citation"] else None)
                       for n, f in enumerate(flags, start=1))
    db.session.flush()
    return flags


def flags_of(prescription_id):
    """The stored flags of a prescription, by number (read afresh: another reviewer may have decided one)."""
    return db.session.scalars(select(ReviewFlag).where(ReviewFlag.prescription_id == prescription_id)
                              .order_by(ReviewFlag.number).execution_options(populate_existing=True)).all()


def view_flag(flag):
    """The API representation of a flag and its decision."""
    return {"number": flag.number, "code": flag.code, "severity": flag.severity, "item_position": flag.item_position,
            "reason": flag.reason, "citation": json.loads(flag.citation) if flag.citation else None,
            "decision": {"decision": flag.decision, "reason": flag.decision_reason, "decided_by": flag.decided_by,
                         "decided_at": flag.decided_at} if flag.decision else None}


def require_approvable(prescription):
    """409 unless every flag is decided and none upheld (the caller holds lock_review)."""
    flags = flags_of(prescription.id)
    undecided = [f.number for f in flags if f.decision is None]
    if undecided:
        raise ApiError(409, "flags_undecided", "Every pre-review flag needs a decision (uphold or override) "
                       "before the prescription can be approved.", undecided=undecided)
    upheld = [f.number for f in flags if f.decision == "upheld"]
    if upheld:
        raise ApiError(409, "flags_upheld", "A flag was upheld: the prescription can only be rejected.",
                       upheld=upheld)


@audited("read")
def read_review_item(actor, prescription_id):
    """(prescription, facts snapshot or None, flags) for a reviewer; reading it is a read of the patient's data."""
    access.require_reviewer(actor)
    prescription = access.load_prescription(actor, prescription_id)
    snapshot = db.session.get(ReviewFacts, prescription.id)
    flags = flags_of(prescription.id)
    record_access(actor, "read", f"Prescription/{prescription.id}/review", f"Patient/{prescription.patient_id}",
                  detail={"facts": bool(snapshot), "flags": len(flags)})
    return prescription, json.loads(snapshot.facts) if snapshot else None, flags


def _flag(actor, prescription, number):
    flag = None if not 0 < number <= MAX_FLAG_NUMBER else db.session.scalar(select(ReviewFlag).where(ReviewFlag.prescription_id == prescription.id,
                                                      ReviewFlag.number == number)
                             .execution_options(populate_existing=True))
    if flag is None:
        record_access(actor, "update", f"Prescription/{prescription.id}/review/flags/{number}",
                      f"Patient/{prescription.patient_id}", outcome="failed", detail="no such flag")
        raise ApiError(404, "flag_not_found", f"The prescription has no flag {number}.")
    return flag


@audited("update")
def decide_flag(actor, prescription_id, number, decision, reason=None):
    """Record a reviewer's decision on one flag; (flag, changed). See the module docstring for the rules."""
    lock_review(prescription_id)  # first: on SQLite the write lock must be taken before anything is written
    access.require_reviewer(actor)
    prescription = access.load_prescription(actor, prescription_id, action="update")
    db.session.refresh(prescription)
    wanted, reason = DECISIONS[decision], (reason or "").strip() or None
    if wanted == "overridden" and not reason:
        raise ApiError(422, "reason_required", "Overriding a flag needs the reason it is safe for this patient.")
    flag = _flag(actor, prescription, number)
    if flag.decision is not None:
        if flag.decision != wanted:
            raise ApiError(409, "flag_already_decided", f"Flag {number} was already {flag.decision}.",
                           decision=flag.decision, decided_by=flag.decided_by)
        changed = False
    elif prescription.status != PENDING_REVIEW:
        raise ApiError(409, "already_reviewed", f"The prescription was already {prescription.status}.",
                       current_status=prescription.status)
    else:
        # The lock already orders reviewers; the condition keeps a decision from ever being overwritten.
        changed = db.session.execute(
            update(ReviewFlag).where(ReviewFlag.id == flag.id, ReviewFlag.decision.is_(None))
            .values(decision=wanted, decision_reason=reason, decided_by=actor.user_id, decided_at=clock.now())
            .execution_options(synchronize_session=False)).rowcount == 1
        db.session.refresh(flag)
        if not changed and flag.decision != wanted:
            raise ApiError(409, "flag_already_decided", f"Flag {number} was already {flag.decision}.",
                           decision=flag.decision, decided_by=flag.decided_by)
    record_access(actor, "update", f"Prescription/{prescription.id}/review/flags/{number}",
                  f"Patient/{prescription.patient_id}", detail={"flag": flag.code, "decision": wanted,
                                                                "changed": changed})
    return prescription, flag, changed
