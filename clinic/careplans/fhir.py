"""The FHIR CarePlan view of a plan row (`careplan-<id>`), written through records.api in the caller's
transaction as the system (the plan's tables are the source of truth; nothing reads the view back)."""
from core.auth import SYSTEM
from records import api as records

MAINTAINER = "clinic.careplans"
PLANS_PATH = "/api/v1/care-plans"
PLAN_SYSTEM = "urn:cloud-hospital:care-plan"
FHIR_STATUS = {"active": "active", "completed": "completed", "revoked": "revoked"}


def view_id(plan_id):
    return f"careplan-{plan_id}"


def _activities(plan, template):
    visit = {"detail": {"kind": "Appointment", "status": "scheduled" if plan.status == "active" else "stopped",
                        "code": {"text": "Follow-up visit"},
                        "scheduledTiming": {"repeat": {"frequency": 1, "period": plan.visit_every_days,
                                                       "periodUnit": "d"}}}}
    found = [visit]
    for kind, per_week in template["measurements"].items():
        found.append({"detail": {"kind": "ServiceRequest",
                                 "status": "in-progress" if plan.status == "active" else "stopped",
                                 "code": {"text": f"Home measurement: {kind}"},
                                 "scheduledTiming": {"repeat": {"frequency": per_week, "period": 1,
                                                                "periodUnit": "wk"}}}})
    return found


def write_view(plan, template, practitioner_id):
    """(Re)write the CarePlan of `plan`; an unchanged plan writes no new version."""
    resource = {
        "resourceType": "CarePlan",
        "identifier": [{"system": PLAN_SYSTEM, "value": plan.id}],
        "status": FHIR_STATUS[plan.status],
        "intent": "plan",
        "title": template["title"],
        "category": [{"text": plan.template}],
        "subject": {"reference": f"Patient/{plan.patient_id}"},
        "period": {"start": plan.started_on.isoformat()},
        "created": plan.created_at.isoformat(),
        "author": {"reference": f"Practitioner/{practitioner_id}"},
        "description": f"{template['condition']['display']} ({template['condition']['code']})",
        "activity": _activities(plan, template),
    }
    if plan.note:
        resource["note"] = [{"text": plan.note}]
    records.update(SYSTEM, "CarePlan", view_id(plan.id), resource, skip_unchanged=True, maintainer=MAINTAINER)


def register_view():
    """Declare the view to records: FHIR clients may read and search it, never write it."""
    records.register_view("CarePlan", maintainer=MAINTAINER, path=PLANS_PATH, match=records.id_prefix("careplan-"))
