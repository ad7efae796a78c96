"""Retention's part of the records service API (re-exported by records.api): which patients' records have been
dormant since a date, and the audited hard delete of one patient's record (records.purge). Records offers the
purge; the caller (compliance's retention job) decides when, by its own rules."""
from core.audit import audited
from records import purge
from records.access import AccessDenied, is_unrestricted
from records.api_audit import _audit


def dormant_patients(inactive_before, *, after="", limit=purge.BATCH):
    """Ids of patients, in order after `after`, whose record has been inactive since `inactive_before` (ids only:
    the caller's run is audited)."""
    return purge.dormant_patients(inactive_before, after, limit)


def record_last_active(patient_id):
    """When the patient's record was last active (records.purge), or None when they have no record."""
    return purge.last_activity(patient_id)


@audited("purge")
def purge_patient(actor, patient_id, *, rule, inactive_before):
    """Hard-delete a patient's whole record in this transaction (system or admin only); the audit entry names the
    rule and the counts, never the content. 409 when the record was active since `inactive_before` or a legal
    hold keeps any of it; 404 when the patient has no record."""
    with _audit(actor, "purge", f"Patient/{patient_id}") as call:
        call.patient_ids = {patient_id}
        if not is_unrestricted(actor) or actor.scopes is not None:
            raise AccessDenied("Only the retention job (or an administrator running it) purges records.")
        counts = purge.purge_compartment(patient_id, inactive_before)
        call.succeeded({"rule": rule, "inactive_before": inactive_before.isoformat(), **counts})
    return counts
