"""Retention of clinical records: the patients whose whole record is past its period, and their purge.

A patient is past the period when the latest of their last consultation's end (an open one counts as now)
and their record's last activity (records.api.dormant_patients: any write, any Encounter's end) is before the
cutoff, and no hold covers them. Records offers the purge (one transaction per patient, refused under a hold
or when the record was written since the cutoff, so a racing write wins); compliance decides when. In the same
transaction the clinic's rows of the patient lose their clinical free text (a consultation's reason and outcome,
an appointment's reason): they stay as the bare facts of a visit (who, when, which room), for the statistics."""
from sqlalchemy import or_, select, update

from clinic.appointments import Appointment
from clinic.consult import Consultation
from core.extensions import db
from core.transaction import begin_write
from records import api as records

PAGE = 500


def _seen_since(patient_ids, cutoff):
    """Of `patient_ids`, those with a consultation ended at or after `cutoff`, or still open."""
    return set(db.session.scalars(select(Consultation.patient_id).where(
        Consultation.patient_id.in_(patient_ids), or_(Consultation.ended_at.is_(None),
                                                      Consultation.ended_at >= cutoff))))


def due_patients(cutoff, held=None, patient_id=None):
    """Patients (ordered) past `cutoff`: all of them (`held` None), else those no hold covers."""
    skip = set(held["audit_patients"]) if held is not None else set()
    if patient_id is not None:
        last = records.record_last_active(patient_id)
        page = [patient_id] if last is not None and last < cutoff else []
        return [p for p in page if p not in skip and not _seen_since(page, cutoff)]
    due, after = [], ""
    while page := records.dormant_patients(cutoff, after=after, limit=PAGE):
        seen = _seen_since(page, cutoff)
        due.extend(p for p in page if p not in seen and p not in skip)
        after = page[-1]
    return due


def count(cutoff, held=None, patient_id=None):
    """How many patients are past `cutoff` (see due_patients)."""
    return len(due_patients(cutoff, held, patient_id))


def _strip_clinic_rows(patient_id):
    db.session.execute(update(Consultation).where(Consultation.patient_id == patient_id)
                       .values(reason=None, outcome=None))
    db.session.execute(update(Appointment).where(Appointment.patient_id == patient_id).values(reason=None))


def purge(actor, cutoff, held, patient_id=None, commit_each=None):
    """Purge every patient past `cutoff` under no hold, one transaction (or savepoint) each; (purged, refused)."""
    purged, refused = 0, []
    for patient in due_patients(cutoff, held, patient_id):
        begin_write()  # SQLite: the write lock before the purge reads (a no-op on PostgreSQL)
        try:
            with db.session.begin_nested():
                records.purge_patient(actor, patient, rule="clinical_records", inactive_before=cutoff)
                _strip_clinic_rows(patient)
            purged += 1
        except records.FhirError as exc:  # a write or a hold since the count: kept, and said so in the report
            refused.append({"patient": patient, "status": exc.status, "reason": exc.diagnostics})
        if commit_each:
            commit_each()
    return purged, refused
