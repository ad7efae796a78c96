"""The record of a completed home visit: Encounter `hh-<visit id>` (class HH, home health), Procedure
`hhproc-<visit id>` and Observations `hhobs-<visit id>-<n>`, written through records.api as the system."""
from clinic.measurements import KINDS
from clinic.nursing.catalogue import SERVICES, SNOMED
from core.auth import SYSTEM
from records import api as records

MAINTAINER = "clinic.nursing"
PATH = "/api/v1/nursing/visits"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def encounter_id(visit_id):
    return f"hh-{visit_id}"


def _quantity(value, unit):
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _observation(visit, request, encounter_ref, kind, values, nurse):
    spec = KINDS[kind]
    observation = {
        "resourceType": "Observation", "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "vital-signs" if kind != "glucose" else "laboratory"}]}],
        "code": {"coding": [{"system": LOINC, "code": spec["loinc"], "display": spec["display"]}], "text": kind},
        "subject": {"reference": f"Patient/{request.patient_id}"}, "encounter": {"reference": encounter_ref},
        "effectiveDateTime": visit.checked_out_at.isoformat(), "performer": [{"display": nurse}],
    }
    if kind == "blood-pressure":
        observation["component"] = [
            {"code": {"coding": [{"system": LOINC, "code": code, "display": text}]},
             "valueQuantity": _quantity(values[field], spec["unit"])}
            for field, (code, text, *_) in spec["fields"].items()]
    else:
        observation["valueQuantity"] = _quantity(values["value"], spec["unit"])
    return observation


def write_visit(visit, request, nurse, organization, observations, procedure_note=None):
    """Write the Encounter, the Procedure and one Observation per measured value of a completed visit."""
    service = SERVICES[request.service]
    subject = {"reference": f"Patient/{request.patient_id}"}
    encounter_ref = f"Encounter/{encounter_id(visit.id)}"
    period = {"start": visit.checked_in_at.isoformat(), "end": visit.checked_out_at.isoformat()}
    records.update(SYSTEM, "Encounter", encounter_id(visit.id), {
        "resourceType": "Encounter", "status": "finished",
        "class": {"system": ACT_CODE, "code": "HH", "display": "home health"},
        "type": [{"coding": [{"system": SNOMED, "code": service["snomed"], "display": service["display"]}]}],
        "subject": subject, "participant": [{"individual": {"display": nurse}}], "period": period,
        "serviceProvider": {"reference": organization},
    }, maintainer=MAINTAINER)
    procedure = {
        "resourceType": "Procedure", "status": "completed",
        "code": {"coding": [{"system": SNOMED, "code": service["snomed"], "display": service["display"]}]},
        "subject": subject, "encounter": {"reference": encounter_ref}, "performedPeriod": period,
        "performer": [{"actor": {"display": nurse}}],
    }
    if procedure_note:
        procedure["note"] = [{"text": procedure_note}]
    records.update(SYSTEM, "Procedure", f"hhproc-{visit.id}", procedure, maintainer=MAINTAINER)
    for n, (kind, values) in enumerate(observations, start=1):
        records.update(SYSTEM, "Observation", f"hhobs-{visit.id}-{n}",
                       _observation(visit, request, encounter_ref, kind, values, nurse), maintainer=MAINTAINER)


def register_views():
    records.register_view("Encounter", maintainer=MAINTAINER, path=PATH, match=records.id_prefix("hh-"))
    records.register_view("Procedure", maintainer=MAINTAINER, path=PATH, match=records.id_prefix("hhproc-"))
    records.register_view("Observation", maintainer=MAINTAINER, path=PATH, match=records.id_prefix("hhobs-"))
