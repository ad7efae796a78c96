"""Pre-consultation triage: a symptom checklist and vital signs, stored through records as a
QuestionnaireResponse plus vital-sign Observations (LOINC), and read back as risk-engine facts."""
from datetime import datetime

from clinic.risk.engine.catalogue import SNOMED, lookup_symptom
from core import clock
from core.auth import SYSTEM
from core.errors import ApiError
from records import api as records

QUESTIONNAIRE = "urn:cloud-hospital:questionnaire:pre-consultation-triage|1"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
# vital -> (LOINC code, display, UCUM unit, plausible range for input validation)
VITALS = {
    "systolic_bp": ("8480-6", "Systolic blood pressure", "mm[Hg]", (40, 300)),
    "diastolic_bp": ("8462-4", "Diastolic blood pressure", "mm[Hg]", (20, 200)),
    "heart_rate": ("8867-4", "Heart rate", "/min", (20, 250)),
    "temperature_c": ("8310-5", "Body temperature", "Cel", (30, 45)),
    "spo2": ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", (50, 100)),
    "respiratory_rate": ("9279-1", "Respiratory rate", "/min", (4, 80)),
}


def _check_inputs(symptoms, vitals):
    errors = [{"field": f"symptoms[{i}]", "message": f"unknown symptom code {code!r} (see the catalogue)"}
              for i, code in enumerate(symptoms) if lookup_symptom(code) is None]
    for name, value in vitals.items():
        low, high = VITALS[name][3]
        if not low <= value <= high:
            errors.append({"field": f"vitals.{name}", "message": f"must be between {low} and {high}"})
    if errors:
        raise ApiError(422, "validation_error", "One or more fields are invalid.",
                       title="Request validation failed", errors=errors)


def _response_resource(patient_id, symptoms, vitals, authored):
    symptom_answers = [{"valueCoding": {"system": SNOMED, "code": code, "display": lookup_symptom(code)["display"]}}
                       for code in symptoms]
    vital_items = [{"linkId": name, "answer": [{"valueDecimal": value}]} for name, value in vitals.items()]
    items = [{"linkId": "symptoms", "text": "Symptoms today", **({"answer": symptom_answers} if symptoms else {})}]
    if vital_items:
        items.append({"linkId": "vitals", "text": "Vital signs", "item": vital_items})
    return {"resourceType": "QuestionnaireResponse", "status": "completed", "questionnaire": QUESTIONNAIRE,
            "subject": {"reference": f"Patient/{patient_id}"}, "authored": authored.isoformat(),
            "source": {"reference": f"Patient/{patient_id}"}, "item": items}


def _observation(patient_id, name, value, when, response_id):
    code, display, unit, _ = VITALS[name]
    return {"resourceType": "Observation", "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "vital-signs"}]}],
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "subject": {"reference": f"Patient/{patient_id}"}, "effectiveDateTime": when.isoformat(),
            "performer": [{"reference": f"Patient/{patient_id}"}],
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
            "derivedFrom": [{"reference": f"QuestionnaireResponse/{response_id}"}]}


def submit_triage(actor, symptoms, vitals):
    """Store the patient's triage (QuestionnaireResponse + Observations) in their record; return the response."""
    if actor.role != "patient" or not actor.patient_id:
        raise ApiError(403, "forbidden", "Patients submit their own triage.")
    vitals = {k: v for k, v in vitals.items() if v is not None}
    _check_inputs(symptoms, vitals)
    now = clock.now()
    response = records.create(actor, _response_resource(actor.patient_id, symptoms, vitals, now))
    for name, value in vitals.items():
        records.create(actor, _observation(actor.patient_id, name, value, now, response["id"]))
    return response


def triage_from_response(response, at=None):
    """Risk-engine triage facts from a stored QuestionnaireResponse (None -> triage.present false)."""
    if response is None:
        return {"present": False}
    authored = datetime.fromisoformat(response["authored"])
    items = {item["linkId"]: item for item in response.get("item", [])}
    symptoms = [a["valueCoding"]["code"] for a in items.get("symptoms", {}).get("answer", [])]
    vitals = {sub["linkId"]: float(sub["answer"][0]["valueDecimal"])
              for sub in items.get("vitals", {}).get("item", []) if sub.get("answer")}
    age_hours = ((at or clock.now()) - authored).total_seconds() / 3600
    return {"present": True, "age_hours": round(age_hours, 4), "symptoms": symptoms, "vitals": vitals,
            "response_id": response["id"]}


def latest_triage(patient_id):
    """The patient's most recent completed triage response, or None."""
    result = records.search(SYSTEM, "QuestionnaireResponse",
                            [("subject", f"Patient/{patient_id}"), ("status", "completed"),
                             ("_sort", "-authored"), ("_count", "20")])
    # Other questionnaires may be answered too; ours is recognised by its canonical URL.
    return next((r for r in result.resources if r.get("questionnaire") == QUESTIONNAIRE), None)
