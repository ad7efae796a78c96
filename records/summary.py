"""A clinician's summary of a patient's record: what a doctor needs on screen when a patient enters the room.

Built from ordinary searches run *as the asking user* (records.api.search), so the access rules and the
audit of every read are those of the FHIR API itself: a doctor without care of the patient gets the same
403 they would get on /fhir. Each part is short and readable (display text rather than raw codes), newest
first, and cut to a few entries with the total kept.
"""
from core.identity import age_on

CONDITIONS, OBSERVATIONS, MEDICINES, ALLERGIES, ENCOUNTERS = 20, 10, 20, 20, 5
LIVE_MEDICATION_STATUSES = "active,on-hold,draft"


def _text(concept):
    """The readable name of a CodeableConcept: its text, else the first coding's display, else its code."""
    concept = concept or {}
    if concept.get("text"):
        return concept["text"]
    for coding in concept.get("coding") or []:
        if coding.get("display") or coding.get("code"):
            return coding.get("display") or coding["code"]
    return None


def _code(concept):
    coding = next(iter((concept or {}).get("coding") or []), {})
    return {"system": coding.get("system"), "code": coding.get("code")} if coding.get("code") else None


def _quantity(value):
    number, unit = value.get("value"), value.get("unit") or value.get("code") or ""
    return f"{number:g} {unit}".strip() if isinstance(number, (int, float)) else None


def _observation_value(observation):
    if "valueQuantity" in observation:
        return _quantity(observation["valueQuantity"])
    if "valueCodeableConcept" in observation:
        return _text(observation["valueCodeableConcept"])
    for key in ("valueString", "valueBoolean", "valueInteger"):
        if key in observation:
            return str(observation[key])
    parts = [f"{_text(c.get('code'))} {_quantity(c['valueQuantity'])}" for c in observation.get("component") or []
             if "valueQuantity" in c and _quantity(c["valueQuantity"])]
    return ", ".join(parts) or None


def _effective(observation):
    return observation.get("effectiveDateTime") or (observation.get("effectivePeriod") or {}).get("start") \
        or observation.get("issued")


def _section(search, actor, resource_type, params, limit, view):
    result = search(actor, resource_type, [*params, ("_count", str(limit))])
    return {"total": result.total, "items": [view(r) for r in result.resources[:limit]]}


def patient_summary(actor, patient_id, today, search, read):
    """The summary of `Patient/patient_id` as `actor` may see it (FhirError 403/404 otherwise).
    `search` and `read` are records.api's (passed in: this module sits below it)."""
    patient = read(actor, "Patient", patient_id)
    name = next(iter(patient.get("name") or []), {})
    subject = [("patient", f"Patient/{patient_id}")]
    return {
        "patient_id": patient_id,
        "name": name.get("text") or " ".join([*(name.get("given") or []), name.get("family") or ""]).strip() or None,
        "sex": patient.get("gender"),
        "birth_date": patient.get("birthDate"),
        "age": age_on(patient.get("birthDate"), today),
        "conditions": _section(search, actor, "Condition", [*subject, ("clinical-status", "active,recurrence,relapse"),
                                                            ("_sort", "-onset-date")], CONDITIONS, lambda c: {
            "name": _text(c.get("code")), "code": _code(c.get("code")), "since": c.get("onsetDateTime")}),
        "observations": _section(search, actor, "Observation", [*subject, ("_sort", "-date")], OBSERVATIONS,
                                 lambda o: {"name": _text(o.get("code")), "code": _code(o.get("code")),
                                            "value": _observation_value(o), "at": _effective(o)}),
        "medicines": _section(search, actor, "MedicationRequest", [*subject, ("status", LIVE_MEDICATION_STATUSES),
                                                                   ("_sort", "-authoredon")], MEDICINES, lambda m: {
            "name": _text(m.get("medicationCodeableConcept")), "code": _code(m.get("medicationCodeableConcept")),
            "dosage": next((d.get("text") for d in m.get("dosageInstruction") or [] if d.get("text")), None),
            "status": m.get("status"), "since": m.get("authoredOn")}),
        "allergies": _section(search, actor, "AllergyIntolerance", [*subject, ("clinical-status", "active")],
                              ALLERGIES, lambda a: {
            "substance": _text(a.get("code")), "code": _code(a.get("code")), "criticality": a.get("criticality"),
            "reactions": [_text(m) for r in a.get("reaction") or [] for m in r.get("manifestation") or []]}),
        "encounters": _section(search, actor, "Encounter", [*subject, ("_sort", "-date")], ENCOUNTERS, lambda e: {
            "type": _text(next(iter(e.get("type") or []), None)) or (e.get("class") or {}).get("code"),
            "status": e.get("status"), "start": (e.get("period") or {}).get("start"),
            "reason": _text(next(iter(e.get("reasonCode") or []), None))}),
    }

