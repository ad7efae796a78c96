"""Identity-number claims: the way back for a person whose identity number another account holds.

Registration (core.registration) does not refuse such a person: it creates their phone-verified account
without the number and files a claim, tells the holder by text message that the number was claimed and
the claimant that an administrator will review it. An admin approves (the number moves to the claimant's
account, the holder's account is deactivated and its tokens revoked, both FHIR Patients rewritten) or
rejects; every step is audited and both parties are told by text message.
"""
from sqlalchemy import select

from core import accounts, clock, sms
from core.audit import record_access
from core.auth import actor_for
from core.errors import ApiError
from core.extensions import db
from core.identity import parse_id_number
from core.models import IdNumberClaim, User
from core.transaction import begin_write, serialise_on

STATUSES = ("pending", "approved", "rejected")
HOLDER_CLAIMED = ("Cloud Hospital: a new account has claimed the identity number registered on your account. An "
                  "administrator will review the claim; if the number is yours, you need do nothing now.")
CLAIM_FILED = ("Cloud Hospital: your account is created. The identity number you gave is already registered to "
               "another account, so it is not on yours yet: an administrator will review your claim ({ref}).")
CLAIM_APPROVED = "Cloud Hospital: your identity number claim ({ref}) was approved; the number is now on your account."
CLAIM_REJECTED = "Cloud Hospital: your identity number claim ({ref}) was not approved. {note}"
HOLDER_MOVED = ("Cloud Hospital: after review, the identity number on your account was found to belong to "
                "someone else and was removed; your account is deactivated. Contact the hospital if this is wrong.")


def file_claim(claimant, id_number, holder):
    """Record the claim of the new account `claimant` to `id_number`, held by `holder`, and tell both."""
    claim = IdNumberClaim(claimant_id=claimant.id, id_number=id_number, holder_id=holder.id, created_at=clock.now())
    db.session.add(claim)
    db.session.flush()
    record_access(actor_for(claimant), "file_id_claim", f"IdNumberClaim/{claim.id}",
                  detail={"holder_id": holder.id})
    if holder.phone:
        sms.send(holder.phone, HOLDER_CLAIMED)
    sms.send(claimant.phone, CLAIM_FILED.format(ref=claim.id[:8]))
    return claim


def claims_of(user_id):
    """A claimant's own claims, newest first."""
    return select(IdNumberClaim).where(IdNumberClaim.claimant_id == user_id).order_by(
        IdNumberClaim.created_at.desc(), IdNumberClaim.id)


def all_claims(status=None):
    """Every claim (admin), oldest first: the review queue."""
    stmt = select(IdNumberClaim).order_by(IdNumberClaim.created_at, IdNumberClaim.id)
    return stmt.where(IdNumberClaim.status == status) if status else stmt


def _pending(claim_id):
    begin_write()
    claim = db.session.get(IdNumberClaim, claim_id, with_for_update=True)
    if claim is None:
        raise ApiError(404, "not_found", "No such claim.")
    serialise_on(f"id-number:{claim.id_number}")  # the lock registration takes on the number too
    db.session.refresh(claim)
    if claim.status != "pending":
        raise ApiError(409, "claim_decided", f"The claim was already {claim.status}.")
    return claim


def _decide(admin, claim, status, note):
    claim.status, claim.decided_at, claim.decided_by, claim.note = status, clock.now(), admin.user_id, note
    db.session.flush()


def approve(admin, claim_id, note=None, deactivate_holder=True):
    """Move the number to the claimant (409 when the claim is decided or the claimant has a number by now)."""
    claim = _pending(claim_id)
    claimant = db.session.get(User, claim.claimant_id, with_for_update=True)
    if claimant.id_number:
        raise ApiError(409, "claimant_has_id_number", "The claimant's account already carries an identity number.")
    holder = accounts.holder_of_id_number(claim.id_number)
    if holder is not None:
        accounts.move_id_number(holder, None, admin)
        if deactivate_holder and holder.is_active:
            accounts.set_active(admin, holder.id, False)
        if holder.phone:
            sms.send(holder.phone, HOLDER_MOVED)
    _, claimant.birth_date, claimant.gender = parse_id_number(claim.id_number)
    accounts.move_id_number(claimant, claim.id_number, admin)
    _decide(admin, claim, "approved", note)
    record_access(admin, "approve_id_claim", f"IdNumberClaim/{claim.id}", detail={
        "claimant_id": claimant.id, "holder_id": holder.id if holder else None,
        "holder_deactivated": bool(holder is not None and deactivate_holder)})
    sms.send(claimant.phone, CLAIM_APPROVED.format(ref=claim.id[:8]))
    return claim


def reject(admin, claim_id, note=None):
    """Close the claim; the number stays where it is."""
    claim = _pending(claim_id)
    _decide(admin, claim, "rejected", note)
    record_access(admin, "reject_id_claim", f"IdNumberClaim/{claim.id}", detail={"claimant_id": claim.claimant_id})
    claimant = db.session.get(User, claim.claimant_id)
    sms.send(claimant.phone, CLAIM_REJECTED.format(ref=claim.id[:8], note=note or "").strip())
    return claim
