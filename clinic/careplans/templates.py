"""The follow-up templates a doctor enrols a patient in. Thresholds are demonstration values after the Chinese
hypertension (2018) and type 2 diabetes (2020) guidelines; a clinic's committee confirms them before use.

A threshold rule fires on one home measurement: `measurement` names the kind (clinic.measurements.KINDS),
`field` the value (`value`, or `systolic`/`diastolic` for blood pressure), `op` ge|gt|le|lt and `value`.
The most severe rule that fires is the alert (urgent before high before low)."""

ICD10 = "http://hl7.org/fhir/sid/icd-10"

TEMPLATES = {
    "hypertension": {
        "title": "Hypertension follow-up",
        "condition": {"system": ICD10, "code": "I10", "display": "Essential (primary) hypertension"},
        "specialty": "hypertension",
        "visit_every_days": 28,
        "measurements": {"blood-pressure": 2},  # kind -> at least this many per week
        "tests": [],
        "thresholds": [
            {"id": "bp.systolic_urgent", "measurement": "blood-pressure", "field": "systolic", "op": "ge",
             "value": 180, "severity": "urgent", "text": "systolic blood pressure at or above 180 mmHg"},
            {"id": "bp.diastolic_urgent", "measurement": "blood-pressure", "field": "diastolic", "op": "ge",
             "value": 110, "severity": "urgent", "text": "diastolic blood pressure at or above 110 mmHg"},
            {"id": "bp.systolic_high", "measurement": "blood-pressure", "field": "systolic", "op": "ge",
             "value": 140, "severity": "high", "text": "systolic blood pressure at or above 140 mmHg"},
            {"id": "bp.diastolic_high", "measurement": "blood-pressure", "field": "diastolic", "op": "ge",
             "value": 90, "severity": "high", "text": "diastolic blood pressure at or above 90 mmHg"},
        ],
    },
    "diabetes": {
        "title": "Type 2 diabetes follow-up",
        "condition": {"system": ICD10, "code": "E11", "display": "Type 2 diabetes mellitus"},
        "specialty": "diabetes",
        "visit_every_days": 91,
        "measurements": {"glucose": 2},
        "tests": ["hba1c"],  # ordered before each visit (clinic.inspections catalogue)
        "thresholds": [
            {"id": "glucose.very_high", "measurement": "glucose", "field": "value", "op": "ge", "value": 16.7,
             "severity": "urgent", "text": "blood glucose at or above 16.7 mmol/L"},
            {"id": "glucose.hypo", "measurement": "glucose", "field": "value", "op": "lt", "value": 3.9,
             "severity": "urgent", "text": "blood glucose below 3.9 mmol/L (hypoglycaemia)"},
            {"id": "glucose.high", "measurement": "glucose", "field": "value", "op": "ge", "value": 10.0,
             "severity": "high", "text": "blood glucose at or above 10.0 mmol/L"},
        ],
    },
}
SEVERITY_ORDER = ("urgent", "high", "low")
OPS = {"ge": lambda a, b: a >= b, "gt": lambda a, b: a > b, "le": lambda a, b: a <= b, "lt": lambda a, b: a < b}


def fired_rules(thresholds, kind, values):
    """The threshold rules that fire on one measurement (`values`: field -> number), most severe first."""
    fired = [rule for rule in thresholds if rule["measurement"] == kind and values.get(rule["field"]) is not None
             and OPS[rule["op"]](values[rule["field"]], rule["value"])]
    return sorted(fired, key=lambda rule: SEVERITY_ORDER.index(rule["severity"]))
