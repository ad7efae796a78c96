"""What a patient or device may send: each kind's LOINC code, accepted units (converted to the canonical one)
and plausible range in the canonical unit (outside it the reading is refused as a typing or device error)."""

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

KINDS = {
    "blood-pressure": {
        "loinc": "85354-9", "display": "Blood pressure panel with all children optional", "unit": "mm[Hg]",
        "units": {"mm[Hg]": 1.0, "mmHg": 1.0},
        "fields": {"systolic": ("8480-6", "Systolic blood pressure", 50, 300),
                   "diastolic": ("8462-4", "Diastolic blood pressure", 30, 200)},
    },
    "glucose": {
        "loinc": "15074-8", "display": "Glucose [Moles/volume] in Blood", "unit": "mmol/L",
        "units": {"mmol/L": 1.0, "mg/dL": 1 / 18.0},
        "fields": {"value": (None, None, 1.0, 40.0)},
    },
    "weight": {
        "loinc": "29463-7", "display": "Body weight", "unit": "kg",
        "units": {"kg": 1.0, "[lb_av]": 0.45359237, "lb": 0.45359237},
        "fields": {"value": (None, None, 1.0, 400.0)},
    },
}
METHODS = {  # how the value was taken (Observation.method, local code system)
    "device-automatic": "Automatic home device reading",
    "manual-entry": "Entered by hand from a home device",
    "self-reported": "Reported by the patient",
}
METHOD_SYSTEM = "urn:cloud-hospital:measurement-method"


def canonical_values(kind, body):
    """(values in the canonical unit, field errors) for one reading of `kind`."""
    spec = KINDS[kind]
    errors = []
    factor = spec["units"].get(body.get("unit") or spec["unit"])
    if factor is None:
        return {}, [{"field": "unit", "message": f"must be one of {', '.join(spec['units'])}"}]
    values = {}
    for field, (_, _, low, high) in spec["fields"].items():
        raw = body.get(field)
        if raw is None:
            errors.append({"field": field, "message": f"is required for {kind}"})
            continue
        value = round(raw * factor, 2)
        if not low <= value <= high:
            errors.append({"field": field, "message": f"must be between {low} and {high} {spec['unit']}"})
        values[field] = value
    if kind == "blood-pressure" and not errors and values["diastolic"] >= values["systolic"]:
        errors.append({"field": "diastolic", "message": "must be below the systolic pressure"})
    return values, errors
