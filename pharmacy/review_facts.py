"""The patient facts a pharmacist reviews a prescription against, gathered from the record at submission.

Read through records.api as core.auth.SYSTEM (pharmacy has already checked the doctor is the treating
doctor; a doctor without a care relationship could not read them and a review must not depend on it).
Every read is audited by records.api, and one entry in the doctor's name says why the record was read.
Fail safe: a record with no clinical status still counts; only inactive, resolved, refuted or
entered-in-error entries are left out. The facts are returned as plain JSON-able data (the snapshot).
"""
from core import clock
from core.accounts import patient_briefs
from core.audit import record_access
from core.auth import SYSTEM
from core.identity import age_on
from records import api as records

LIMIT = 100  # entries per kind; a longer record is marked incomplete rather than cut silently
CLOSED = {"inactive", "resolved", "remission", "refuted", "entered-in-error"}
CURRENT_MEDICATION_STATUSES = "active,on-hold"  # on-hold: another prescription waiting for review
CURRENT_STATEMENT_STATUSES = "active,intended,on-hold"  # a MedicationStatement the patient takes or will take


def _status(concept):
    return next((c.get("code") for c in (concept or {}).get("coding") or [] if c.get("code")), None)


def _text(concept):
    concept = concept or {}
    return concept.get("text") or next((c.get("display") or c.get("code") for c in concept.get("coding") or []
                                        if c.get("display") or c.get("code")), None)


def _codes(concept):
    return [{"system": c.get("system"), "code": c.get("code"), "display": c.get("display")}
            for c in (concept or {}).get("coding") or [] if c.get("code")]


def _open(resource):
    return not ({_status(resource.get("clinicalStatus")), _status(resource.get("verificationStatus"))} & CLOSED)


def _search(resource_type, patient_id, extra, incomplete):
    result = records.search(SYSTEM, resource_type, [("patient", f"Patient/{patient_id}"), *extra,
                                                    ("_count", str(LIMIT))])
    if (result.total or 0) > len(result.resources):
        incomplete.append(f"{resource_type}: {len(result.resources)} of {result.total} read")
    return result.resources


def _allergy(resource):
    return {"ref": f"AllergyIntolerance/{resource['id']}", "substance": _text(resource.get("code")),
            "codes": _codes(resource.get("code")), "criticality": resource.get("criticality"),
            "category": resource.get("category") or [],
            "reactions": [_text(m) for r in resource.get("reaction") or [] for m in r.get("manifestation") or []]}


def _condition(resource):
    return {"ref": f"Condition/{resource['id']}", "name": _text(resource.get("code")),
            "codes": _codes(resource.get("code")), "status": _status(resource.get("clinicalStatus")),
            "since": resource.get("onsetDateTime")}


def _medicine(resource):
    """A current medicine: an order (MedicationRequest) or a statement of use (MedicationStatement, e.g. in a
    history another hospital sent)."""
    concept = resource.get("medicationCodeableConcept")
    dosages = resource.get("dosageInstruction") or resource.get("dosage") or []
    return {"ref": f"{resource['resourceType']}/{resource['id']}", "name": _text(concept), "codes": _codes(concept),
            "status": resource.get("status"),
            "since": resource.get("authoredOn") or resource.get("effectiveDateTime") or resource.get("dateAsserted"),
            "dosage": next((d.get("text") for d in dosages if isinstance(d, dict) and d.get("text")), None)}


def _patient(patient_id, today, incomplete):
    """Age and sex from the FHIR Patient, else from the account (registration derives both from the ID)."""
    try:
        patient = records.read(SYSTEM, "Patient", patient_id)
    except records.FhirError:  # records.api re-exports its error (pharmacy reaches records only through it)
        patient = {}
        incomplete.append("Patient: not readable")
    brief = patient_briefs([patient_id], today).get(patient_id) or {}
    birth_date = patient.get("birthDate") or brief.get("birth_date")
    return {"sex": patient.get("gender") or brief.get("sex"), "birth_date": birth_date,
            "age_years": age_on(birth_date, today) if birth_date else None}


def gather(actor, patient_id, prescription_id):
    """The facts snapshot for the review of `prescription_id` (call before its own MedicationRequests exist)."""
    now, incomplete = clock.now(), []
    facts = {
        "gathered_at": now.isoformat(),
        "patient": _patient(patient_id, now.date(), incomplete),
        "allergies": [_allergy(r) for r in _search("AllergyIntolerance", patient_id, [], incomplete) if _open(r)],
        "conditions": [_condition(r) for r in _search("Condition", patient_id, [], incomplete) if _open(r)],
        "medicines": [_medicine(r) for r in _search("MedicationRequest", patient_id,
                                                    [("status", CURRENT_MEDICATION_STATUSES)], incomplete)]
        + [_medicine(r) for r in _search("MedicationStatement", patient_id,
                                         [("status", CURRENT_STATEMENT_STATUSES)], incomplete)],
        "incomplete": incomplete,
    }
    record_access(actor, "read", f"Patient/{patient_id}", f"Patient/{patient_id}", detail={
        "purpose": "facts for the pharmacist review", "prescription": f"Prescription/{prescription_id}",
        "read": {k: len(facts[k]) for k in ("allergies", "conditions", "medicines")}})
    return facts
