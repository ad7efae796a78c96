"""Who the patient in the room is: the facts a consultation carries about its patient (name, sex, age)
and, for its doctor, the patient's record summary (records.api.patient_summary: conditions, recent
observations, current medicines, allergies, last encounters), read as the doctor and audited."""
from clinic.consult.access import consultation_for, require_doctor
from core import accounts, clock
from core.audit import record_access
from records import api as records

SECTIONS = ("conditions", "observations", "medicines", "allergies", "encounters")


def patient_facts(consultation):
    """{name, sex, age, birth_date} of the consultation's patient from their account (None when unknown)."""
    return accounts.patient_briefs([consultation.patient_id], clock.now().date()).get(consultation.patient_id)


def patient_summary(actor, consultation_id):
    """The record summary of the consultation's patient, for the consultation's doctor only (403 otherwise)."""
    consultation = consultation_for(actor, consultation_id)
    require_doctor(actor, consultation)
    summary = records.patient_summary(actor, consultation.patient_id, clock.now().date())
    # Each search is audited by records with its query; this entry ties the whole view to the patient.
    record_access(actor, "read", f"Consultation/{consultation.id}/patient-summary", f"Patient/{consultation.patient_id}",
                  detail={part: summary[part]["total"] for part in SECTIONS})
    return summary
