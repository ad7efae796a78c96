"""The kinds of record a retention rule governs: for each, its default and legal-minimum periods, the date its
period runs from, and how rows past it are found (never under a hold) and removed, in batches.

Periods: medical records at least 15 years (医疗机构病历管理规定 第二十九条: 门(急)诊病历 from the last visit,
here the last consultation or the record's last activity: compliance.retention_clinical); online consultations'
text, images, audio and video at least 3 years (互联网医院管理办法（试行）2018); logs of access and of the network
at least 6 months (网络安全法 第二十一条); accounting ledgers and vouchers 30 years from the close of their
accounting year (会计档案管理办法 2015, 第十四条, 第十五条: billing.retention), anonymised, never deleted."""
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from billing import services as billing
from clinic.consult import ConsultAttachment, Consultation, ConsultMessage
from compliance import retention_clinical, retention_logs
from core.extensions import db
from core.models import AuditEntry

THIRTY_YEARS, FIFTEEN_YEARS, THREE_YEARS, ONE_YEAR, SIX_MONTHS = 10958, 5479, 1096, 366, 183


@dataclass(frozen=True)
class Kind:
    name: str
    period_days: int  # the default period
    minimum_days: int  # the legal minimum: no rule and no erasure request goes below it
    basis: str  # what the period runs from
    action: str  # purge | anonymise (the row stays without what names the patient)


KINDS = {kind.name: kind for kind in (
    Kind("clinical_records", FIFTEEN_YEARS, FIFTEEN_YEARS,
         "the patient's last activity: consultation end, Encounter end or write to the record", "purge"),
    Kind("consultation_messages", THREE_YEARS, THREE_YEARS, "the end of the consultation", "purge"),
    Kind("consultation_attachments", THREE_YEARS, THREE_YEARS, "the end of the consultation", "purge"),
    Kind("audit_log", THREE_YEARS, SIX_MONTHS, "the access", "purge"),
    Kind("payment_records", THIRTY_YEARS, THIRTY_YEARS, "the close of the charge's accounting year", "anonymise"),
    Kind("operational_logs", ONE_YEAR, SIX_MONTHS, "the attempt (delivery, reminder, notification)", "purge"),
)}
# What a patient's erasure request may remove (down to each kind's minimum; clinical records: the whole record).
ERASABLE = ("consultation_messages", "consultation_attachments", "clinical_records")


def _consultation_rows(model, cutoff, held, patient_id=None):
    stmt = (select(model.id).join(Consultation, Consultation.id == model.consultation_id)
            .where(Consultation.ended_at < cutoff))
    if patient_id:
        stmt = stmt.where(Consultation.patient_id == patient_id)
    if held is not None:
        stmt = stmt.where(Consultation.id.not_in(held["consultations"] or [""]),
                          Consultation.patient_id.not_in(held["patients"] or [""]))
    return stmt


def candidates(kind, cutoff, held=None, patient_id=None):
    """SELECT of the ids past `cutoff` (held None: whatever the holds; else not covered by `held`)."""
    if kind == "consultation_messages":
        return _consultation_rows(ConsultMessage, cutoff, held, patient_id)
    if kind == "consultation_attachments":
        return _consultation_rows(ConsultAttachment, cutoff, held, patient_id)
    if kind == "audit_log":
        stmt = select(AuditEntry.id).where(AuditEntry.at < cutoff)
        if held is not None:
            refs = [f"Patient/{p}" for p in held["audit_patients"]] or [""]
            stmt = stmt.where((AuditEntry.patient_ref.is_(None)) | AuditEntry.patient_ref.not_in(refs))
        return stmt
    raise ValueError(f"{kind} has no row candidates here")


def count(kind, cutoff, held=None, patient_id=None):
    """How many rows (patients, for clinical records; charges, for payment records) are past `cutoff`."""
    if kind == "clinical_records":
        return retention_clinical.count(cutoff, held, patient_id)
    if kind == "payment_records":
        return billing.count_payment_records(cutoff, held["audit_patients"] if held is not None else ())
    if kind == "operational_logs":
        return retention_logs.count(cutoff, held)
    return db.session.scalar(select(func.count()).select_from(candidates(kind, cutoff, held, patient_id).subquery()))


def remove_batch(kind, cutoff, held, limit, patient_id=None):
    """Purge (or anonymise) up to `limit` rows of `kind` past `cutoff` and under no hold; how many (0: done).
    Clinical records are purged patient by patient (compliance.retention_clinical), not here."""
    if kind == "payment_records":
        return billing.anonymise_payment_records(cutoff, held["audit_patients"], limit)
    if kind == "operational_logs":
        return retention_logs.remove_batch(cutoff, held, limit)
    ids = db.session.scalars(candidates(kind, cutoff, held, patient_id).limit(limit)).all()
    if ids:
        remove(kind, ids)
    return len(ids)


def remove(kind, ids):
    """Delete the rows `ids` of `kind` (a message's link to a removed attachment goes first)."""
    if kind == "consultation_messages":
        db.session.execute(delete(ConsultMessage).where(ConsultMessage.id.in_(ids)))
    elif kind == "consultation_attachments":
        db.session.execute(update(ConsultMessage).where(ConsultMessage.attachment_id.in_(ids))
                           .values(attachment_id=None))
        db.session.execute(delete(ConsultAttachment).where(ConsultAttachment.id.in_(ids)))
    elif kind == "audit_log":
        db.session.execute(delete(AuditEntry).where(AuditEntry.id.in_(ids)))
    else:
        raise ValueError(f"{kind} is reported, never removed here")
    db.session.flush()
