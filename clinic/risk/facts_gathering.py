"""Gather the facts the rules read (clinic.risk.engine.facts.FACT_DOCS) from records and the clinic.

One function per checkpoint input: the patient's age, the consent, whether the complaint is a
follow-up, the latest triage, the guardian, the doctor and the drugs being prescribed.
"""
from datetime import date

from clinic.risk.consents import consent_status
from clinic.risk.guardians import active_guardian_user_ids
from clinic.risk.engine.catalogue import ICD10, icd10_matches
from clinic.risk.engine.facts import enrich_medications
from clinic.risk.triage import latest_triage, triage_from_response
from core import clock
from core.auth import SYSTEM
from records import api as records

IN_PERSON_CLASSES = {"AMB", "IMP", "EMER", "ACUTE", "NONAC", "OBSENC"}
PAEDIATRICS = "paediatrics"


def _age(birth_date, today):
    years = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    months = (today.year - birth_date.year) * 12 + today.month - birth_date.month - (today.day < birth_date.day)
    return years, months


def _birth_date(text):
    """A FHIR date of any precision (YYYY, YYYY-MM, YYYY-MM-DD) as its earliest day."""
    parts = [int(p) for p in text[:10].split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def patient_facts(patient_id, today):
    """Age in completed years and months, from the FHIR Patient's birthDate."""
    patient = records.read(SYSTEM, "Patient", patient_id)
    if not patient.get("birthDate"):
        return {}
    years, months = _age(_birth_date(patient["birthDate"]), today)
    return {"age_years": years, "age_months": months}


def _icd10_codes(concept):
    return [c.get("code") for c in (concept or {}).get("coding", []) if c.get("system") == ICD10 and c.get("code")]


def _diagnosed_in_person(condition):
    """A Condition counts when its Encounter was in person at a physical institution."""
    encounter_ref = (condition.get("encounter") or {}).get("reference")
    if not encounter_ref:
        return False
    encounter = records.read_reference(SYSTEM, encounter_ref)
    return encounter.get("class", {}).get("code") in IN_PERSON_CLASSES and bool(encounter.get("serviceProvider"))


def _accepted_document(document, complaint_code):
    """An uploaded diagnosis document counts once a doctor accepted it (authenticator set, final)."""
    if document.get("docStatus") != "final" or not document.get("authenticator"):
        return False
    events = (document.get("context") or {}).get("event", [])
    return any(icd10_matches(code, complaint_code) for event in events for code in _icd10_codes(event))


def is_follow_up(patient_id, complaint_code):
    """True when the complaint was diagnosed before in person (or by an accepted document)."""
    if not complaint_code:
        return False
    conditions = records.search(SYSTEM, "Condition", [("patient", patient_id), ("_count", "500")]).resources
    for condition in conditions:
        if any(icd10_matches(code, complaint_code) or icd10_matches(complaint_code, code)
               for code in _icd10_codes(condition.get("code"))) and _diagnosed_in_person(condition):
            return True
    documents = records.search(SYSTEM, "DocumentReference", [("patient", patient_id), ("_count", "200")]).resources
    return any(_accepted_document(d, complaint_code) for d in documents)


def gather_facts(patient_id, *, complaint_code=None, medications=None, guardian_present=None, doctor=None,
                 condition_changed=False, at=None):
    """All facts for one evaluation (missing ones stay missing: the rules fail safe)."""
    at = at or clock.now()
    status, consent = consent_status(patient_id, at)
    facts = {
        "patient": patient_facts(patient_id, at.date()),
        "consent": {"status": status, **({"expires_at": consent.expires_at.isoformat()} if consent else {})},
        "visit": {"complaint_code": complaint_code, "is_follow_up": is_follow_up(patient_id, complaint_code),
                  "condition_changed": bool(condition_changed)},
        "triage": triage_from_response(latest_triage(patient_id), at),
        "guardian": {"registered": bool(active_guardian_user_ids(patient_id)),
                     **({"present": guardian_present} if guardian_present is not None else {})},
        "medications": enrich_medications(medications or []),
    }
    if doctor is not None:
        specialties = list(doctor.get("specialties") or [])
        facts["doctor"] = {"specialties": specialties, "is_paediatric": PAEDIATRICS in specialties}
    return facts
