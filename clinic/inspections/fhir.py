"""FHIR views of an inspection order (ServiceRequest `sr-<id>`) and its report (DiagnosticReport `dr-<id>` with
Observations `insp-<id>-<n>`), written through records.api in the caller's transaction as the system; the
inspection tables are the source of truth."""
from clinic.inspections.catalogue import TESTS
from core.auth import SYSTEM
from records import api as records

MAINTAINER = "clinic.inspections"
PATH = "/api/v1/service-requests"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
FLAG_TEXT = {"H": "High", "L": "Low", "N": "Normal"}
REQUEST_STATUS = {"ordered": "active", "booked": "active", "reported": "completed", "cancelled": "revoked"}
CATEGORY = {"lab": ("108252007", "Laboratory procedure"), "exam": ("363679005", "Imaging")}


def request_id(order_id):
    return f"sr-{order_id}"


def report_id(order_id):
    return f"dr-{order_id}"


def _code(test):
    return {"coding": [{"system": LOINC, "code": test["loinc"], "display": test["display"]}], "text": test["display"]}


def write_request(order, practitioner_id, org_ref=None):
    test = TESTS[order.test_code]
    code, display = CATEGORY[test["kind"]]
    resource = {
        "resourceType": "ServiceRequest", "status": REQUEST_STATUS[order.status], "intent": "order",
        "category": [{"coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]}],
        "code": _code(test), "subject": {"reference": f"Patient/{order.patient_id}"},
        "authoredOn": order.created_at.isoformat(), "requester": {"reference": f"Practitioner/{practitioner_id}"},
    }
    if order.reason:
        resource["reasonCode"] = [{"text": order.reason}]
    if order.booked_on:
        resource["occurrenceDateTime"] = order.booked_on.isoformat()
    if org_ref:
        resource["performer"] = [{"reference": org_ref}]
    records.update(SYSTEM, "ServiceRequest", request_id(order.id), resource, skip_unchanged=True,
                   maintainer=MAINTAINER)


def write_report(order, results, org_ref=None):
    """The DiagnosticReport and one Observation per result (interpretation H/L/N, reference range)."""
    test = TESTS[order.test_code]
    subject = {"reference": f"Patient/{order.patient_id}"}
    observation_refs = []
    for row in results:
        observation = {
            "resourceType": "Observation", "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "laboratory"}]}],
            "code": {"coding": [{"system": LOINC, "code": row.code, "display": row.display}]},
            "subject": subject, "basedOn": [{"reference": f"ServiceRequest/{request_id(order.id)}"}],
            "effectiveDateTime": order.reported_at.isoformat(),
            "valueQuantity": {"value": row.value, "unit": row.unit, "system": UCUM, "code": row.unit},
            "interpretation": [{"coding": [{"system": INTERPRETATION, "code": row.flag,
                                            "display": FLAG_TEXT[row.flag]}]}],
            "referenceRange": [{**({"low": {"value": row.low, "unit": row.unit, "system": UCUM, "code": row.unit}}
                                   if row.low is not None else {}),
                                **({"high": {"value": row.high, "unit": row.unit, "system": UCUM,
                                             "code": row.unit}} if row.high is not None else {})}],
        }
        observation_id = f"insp-{order.id}-{row.position}"
        records.update(SYSTEM, "Observation", observation_id, observation, maintainer=MAINTAINER)
        observation_refs.append({"reference": f"Observation/{observation_id}"})
    report = {
        "resourceType": "DiagnosticReport", "status": "final", "code": _code(test), "subject": subject,
        "basedOn": [{"reference": f"ServiceRequest/{request_id(order.id)}"}],
        "effectiveDateTime": order.reported_at.isoformat(), "issued": order.reported_at.isoformat(),
        "result": observation_refs,
    }
    if order.conclusion:
        report["conclusion"] = order.conclusion
    if org_ref:
        report["performer"] = [{"reference": org_ref}]
    records.update(SYSTEM, "DiagnosticReport", report_id(order.id), report, maintainer=MAINTAINER)


def register_views():
    records.register_view("ServiceRequest", maintainer=MAINTAINER, path=PATH, match=records.id_prefix("sr-"))
    records.register_view("DiagnosticReport", maintainer=MAINTAINER, path=PATH, match=records.id_prefix("dr-"))
    records.register_view("Observation", maintainer=MAINTAINER, path=PATH, match=records.id_prefix("insp-"))
