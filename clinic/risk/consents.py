"""The online-treatment protocol: versioned texts, patients' signatures, revocation and expiry.

A patient holds at most one valid consent per protocol version: signing again while one is valid returns
it (a double click, a retry, two tabs), and signing and revoking of one patient run one at a time
(core.transaction.serialise_on). Revoking is a withdrawal: every consent of the patient still in force
ends, and online care stops until the patient signs again."""
from datetime import timedelta
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from clinic.risk.models import OnlineTreatmentConsent, ProtocolVersion
from core import clock
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from core.transaction import serialise_on

SHIPPED_PROTOCOL = Path(__file__).with_name("data") / "protocol.yaml"
# Called with (consent row) after every change, inside the transaction; the FHIR mirror registers here.
_consent_listeners = []


def on_consent_change(listener):
    """Register `listener(consent)` to run after a consent is signed or revoked."""
    if listener not in _consent_listeners:
        _consent_listeners.append(listener)


def _notify(consent):
    for listener in _consent_listeners:
        listener(consent)


def shipped_protocol():
    """The protocol text shipped with the package, as data."""
    return yaml.safe_load(SHIPPED_PROTOCOL.read_text(encoding="utf-8"))


def ensure_protocol():
    """The current protocol row, storing the shipped version when none was published yet."""
    row = current_protocol()
    if row is None:
        row = ProtocolVersion(**shipped_protocol())
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # a simultaneous first signature stored it first
            row = current_protocol()
    return row


def current_protocol():
    """The newest published protocol version, or None."""
    return db.session.scalar(select(ProtocolVersion).order_by(ProtocolVersion.published_at.desc(),
                                                               ProtocolVersion.version.desc()).limit(1))


def sign_consent(actor, protocol_version, practitioner_id=None):
    """The patient signs the current protocol version (with a physician or family-doctor team); returns
    (consent, created): a consent of this version still in force is returned instead of a second one."""
    if actor.role != "patient" or not actor.patient_id:
        raise ApiError(403, "forbidden", "Only a patient signs their own online-treatment protocol.")
    protocol = ensure_protocol()
    if protocol_version != protocol.version:
        known = db.session.get(ProtocolVersion, protocol_version)
        raise ApiError(409 if known else 422, "protocol_version_mismatch",
                       f"Sign the current protocol version {protocol.version}.", current_version=protocol.version)
    serialise_on(f"consent:{actor.patient_id}")
    in_force = _in_force(actor.patient_id, protocol.version)
    if in_force:
        return in_force[0], False
    now = clock.now()
    consent = OnlineTreatmentConsent(patient_id=actor.patient_id, protocol_version=protocol.version,
                                     practitioner_id=practitioner_id, signed_at=now,
                                     expires_at=now + timedelta(days=protocol.validity_days))
    db.session.add(consent)
    db.session.flush()
    _notify(consent)
    return consent, True


def _in_force(patient_id, protocol_version=None):
    """The patient's consents neither revoked nor expired (of one version when given), newest first."""
    stmt = select(OnlineTreatmentConsent).where(OnlineTreatmentConsent.patient_id == patient_id,
                                                OnlineTreatmentConsent.revoked_at.is_(None),
                                                OnlineTreatmentConsent.expires_at > clock.now())
    if protocol_version is not None:
        stmt = stmt.where(OnlineTreatmentConsent.protocol_version == protocol_version)
    return db.session.scalars(stmt.order_by(OnlineTreatmentConsent.signed_at.desc())
                              .execution_options(populate_existing=True)).all()


def list_consents(actor, patient_id, page):
    """The page of a patient's consents, newest first (the patient's own; admins any), audited."""
    if not (actor.is_admin or (actor.role == "patient" and actor.patient_id == patient_id)):
        record_access(actor, "search", "Consent", f"Patient/{patient_id}", outcome="denied",
                      detail={"reason": "not the patient's own consents"})
        raise ApiError(403, "forbidden", "Patients list their own consents.")
    rows = page.rows(select(OnlineTreatmentConsent).where(OnlineTreatmentConsent.patient_id == patient_id)
                     .order_by(OnlineTreatmentConsent.signed_at.desc(), OnlineTreatmentConsent.id))
    record_access(actor, "search", "Consent", f"Patient/{patient_id}", detail={"returned": len(rows)})
    return rows


def revoke_consent(actor, consent_id):
    """Withdraw consent (its patient or an admin): this one and every other consent of the patient still in
    force; revoking twice changes nothing."""
    consent = db.session.get(OnlineTreatmentConsent, consent_id)
    if consent is None:
        raise ApiError(404, "not_found", "No such consent.")
    if not (actor.is_admin or consent.patient_id == actor.patient_id):
        record_access(actor, "update", f"Consent/{consent.id}", f"Patient/{consent.patient_id}", outcome="denied",
                      detail={"reason": "not the patient's own consent", "view": "revoke"})
        raise ApiError(404, "not_found", "No such consent.")
    serialise_on(f"consent:{consent.patient_id}")
    now = clock.now()
    # A withdrawal ends every consent still in force (older duplicates too), not only the one named.
    for live in {consent.id: consent, **{c.id: c for c in _in_force(consent.patient_id)}}.values():
        db.session.refresh(live)
        if live.revoked_at is None:
            live.revoked_at = now
            db.session.flush()
            _notify(live)
    return consent


def consent_state(consent, at=None):
    """valid | expired | revoked for one consent at a moment."""
    at = at or clock.now()
    if consent.revoked_at is not None and consent.revoked_at <= at:
        return "revoked"
    if consent.expires_at <= at:
        return "expired"
    return "valid"


def consent_status(patient_id, at=None):
    """The patient's consent status for the risk engine (valid | missing | expired | revoked) and the
    consent it rests on: any valid signature counts; otherwise the latest one explains why not."""
    consents = db.session.scalars(select(OnlineTreatmentConsent)
                                  .where(OnlineTreatmentConsent.patient_id == patient_id)
                                  .order_by(OnlineTreatmentConsent.signed_at.desc())).all()
    for consent in consents:
        if consent_state(consent, at) == "valid":
            return "valid", consent
    if not consents:
        return "missing", None
    return consent_state(consents[0], at), consents[0]
