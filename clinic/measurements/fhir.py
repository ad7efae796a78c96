"""The FHIR Observation view of a home measurement (`meas-<id>`, vital signs or laboratory, with device and
method), written through records.api in the caller's transaction; the measurements table is the source of truth."""
from clinic.measurements.kinds import KINDS, LOINC, METHOD_SYSTEM, METHODS, UCUM
from core.auth import SYSTEM
from records import api as records

MAINTAINER = "clinic.measurements"
PATH = "/api/v1/measurements"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
FLAGS = {("ge", "urgent"): ("HH", "Critical high"), ("ge", "high"): ("H", "High"),
         ("lt", "urgent"): ("LL", "Critical low"), ("lt", "high"): ("L", "Low")}


def view_id(measurement_id):
    return f"meas-{measurement_id}"


def _quantity(value, unit):
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def interpretation(rule):
    code, display = FLAGS.get(("ge" if rule["op"] in ("ge", "gt") else "lt", rule["severity"]), ("A", "Abnormal"))
    return [{"coding": [{"system": INTERPRETATION, "code": code, "display": display}]}]


def write_view(row, fired):
    spec = KINDS[row.code]
    category = "laboratory" if row.code == "glucose" else "vital-signs"
    resource = {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": CATEGORY, "code": category}]}],
        "code": {"coding": [{"system": LOINC, "code": spec["loinc"], "display": spec["display"]}],
                 "text": row.code},
        "subject": {"reference": f"Patient/{row.patient_id}"},
        "effectiveDateTime": row.measured_at.isoformat(),
        "issued": row.created_at.isoformat(),
        "performer": [{"reference": f"Patient/{row.patient_id}"}],
        "method": {"coding": [{"system": METHOD_SYSTEM, "code": row.method, "display": METHODS[row.method]}]},
    }
    if row.device:
        resource["device"] = {"display": row.device}
    if row.code == "blood-pressure":
        (sys_code, sys_text, *_), (dia_code, dia_text, *_) = spec["fields"].values()
        resource["component"] = [
            {"code": {"coding": [{"system": LOINC, "code": sys_code, "display": sys_text}]},
             "valueQuantity": _quantity(row.value, spec["unit"])},
            {"code": {"coding": [{"system": LOINC, "code": dia_code, "display": dia_text}]},
             "valueQuantity": _quantity(row.value2, spec["unit"])}]
    else:
        resource["valueQuantity"] = _quantity(row.value, spec["unit"])
    if fired:
        resource["interpretation"] = interpretation(fired[0])
    records.update(SYSTEM, "Observation", view_id(row.id), resource, maintainer=MAINTAINER)


def register_view():
    records.register_view("Observation", maintainer=MAINTAINER, path=PATH, match=records.id_prefix("meas-"))
