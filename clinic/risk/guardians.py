"""Registered guardians: who may accompany a patient (a child, a dependent adult) in online consultations.

Consent runs both ways: the patient's own account names the guardian's account and the relationship
(pending), and the guardian accepts (active); an admin who checked the relationship in person (e.g. a
birth certificate at the desk) registers an active guardian at once. The patient, the guardian or an
admin can revoke it. Every step is audited against the patient. An active guardian is invited to the
patient's consultations (clinic.appointments.consult_queue) and counts as the guardian the risk rules ask for
(`guardian.present` at start_consultation).
"""
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from clinic.risk.models import PatientGuardian
from core import clock
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from core.identity import normalise_phone
from core.models import User

# HL7 v3 RoleCode (personal relationships) a guardian may have to the patient.
RELATIONSHIPS = ("MTH", "FTH", "PRN", "GRD", "GRPRN", "SIB", "SPS", "CHILD", "FAMMEMB")


def _account(username):
    found = db.session.scalar(select(User).where(User.username == username))
    if found is None:
        try:
            found = db.session.scalar(select(User).where(User.username == normalise_phone(username)))
        except ValueError:
            found = None
    return found


def register_guardian(actor, guardian_username, relationship, patient_id=None):
    """The patient (their own record) or an admin (any, active at once) registers a guardian account."""
    if actor.is_admin:
        if not patient_id:
            raise ApiError(422, "patient_required", "Name the patient the guardian is registered for.")
    elif actor.role == "patient" and actor.patient_id and patient_id in (None, actor.patient_id):
        patient_id = actor.patient_id
    else:
        record_access(actor, "create", "Guardian", patient_id and f"Patient/{patient_id}", outcome="denied",
                      detail="only the patient or an admin registers a guardian")
        raise ApiError(403, "forbidden", "Only the patient themselves or an admin registers a guardian.")
    guardian = _account(guardian_username)
    if guardian is None or not guardian.is_active or guardian.role != "patient":
        raise ApiError(404, "guardian_not_found", "No active personal account with that username or phone.")
    if guardian.patient_id == patient_id:
        raise ApiError(422, "self_guardian", "A patient cannot be their own guardian.")
    now = clock.now()
    row = PatientGuardian(patient_id=patient_id, guardian_user_id=guardian.id, relationship=relationship,
                          status="active" if actor.is_admin else "pending", requested_by_user_id=actor.user_id,
                          requested_at=now, accepted_at=now if actor.is_admin else None)
    try:
        with db.session.begin_nested():  # the partial unique index: one live registration per pair
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise ApiError(409, "guardian_exists", "This guardian is already registered or invited.") from None
    record_access(actor, "create", f"Guardian/{row.id}", f"Patient/{patient_id}",
                  detail={"guardian_user_id": guardian.id, "relationship": relationship, "status": row.status})
    return row


def _live(guardian_id, *statuses):
    row = db.session.get(PatientGuardian, guardian_id, with_for_update=True)
    if row is None or row.status not in statuses:
        raise ApiError(404, "not_found", "No such guardian registration.")
    return row


def accept_guardian(actor, guardian_id):
    """The named guardian accepts a pending registration (their consent)."""
    row = _live(guardian_id, "pending")
    if row.guardian_user_id != actor.user_id:
        record_access(actor, "update", f"Guardian/{row.id}", f"Patient/{row.patient_id}", outcome="denied",
                      detail="only the named guardian accepts")
        raise ApiError(403, "forbidden", "Only the named guardian accepts.")
    row.status, row.accepted_at = "active", clock.now()
    db.session.flush()
    record_access(actor, "update", f"Guardian/{row.id}", f"Patient/{row.patient_id}", detail="accepted")
    return row


def revoke_guardian(actor, guardian_id):
    """The patient, the guardian or an admin ends a registration."""
    row = _live(guardian_id, "pending", "active")
    if not (actor.is_admin or actor.user_id == row.guardian_user_id or actor.patient_id == row.patient_id):
        record_access(actor, "delete", f"Guardian/{row.id}", f"Patient/{row.patient_id}", outcome="denied")
        raise ApiError(403, "forbidden", "Only the patient, the guardian or an admin revokes a guardian.")
    row.status, row.revoked_at, row.revoked_by_user_id = "revoked", clock.now(), actor.user_id
    db.session.flush()
    record_access(actor, "delete", f"Guardian/{row.id}", f"Patient/{row.patient_id}")
    return row


def list_guardians(actor, patient_id=None):
    """Registrations of the actor's own record and those naming the actor as guardian (admins: a patient's)."""
    stmt = select(PatientGuardian).order_by(PatientGuardian.requested_at)
    if actor.is_admin and patient_id:
        stmt = stmt.where(PatientGuardian.patient_id == patient_id)
    else:
        stmt = stmt.where(or_(PatientGuardian.guardian_user_id == actor.user_id,
                              PatientGuardian.patient_id == (actor.patient_id or "")))
    rows = db.session.scalars(stmt).all()
    for ref in sorted({row.patient_id for row in rows}):
        record_access(actor, "read", "Guardian", f"Patient/{ref}")
    return rows


def active_guardian_user_ids(patient_id):
    """The user ids of the patient's active guardians (invited to their consultations)."""
    return list(db.session.scalars(select(PatientGuardian.guardian_user_id).where(
        PatientGuardian.patient_id == patient_id, PatientGuardian.status == "active")
        .order_by(PatientGuardian.accepted_at)))
