"""Chronic care after the first visit: Dr Wang puts the new patient on a hypertension follow-up plan, a home
reading alerts him and sends the next follow-up in person, a lab test is ordered, booked and reported, and a
home nurse visits."""
from datetime import timedelta

from seeds.scenario.client import StepFailed
from seeds.scenario.journey import HOME

NURSE = ("nurse.sun", "nurse123")


def enrol(story):
    plan = story.doctor.post("/api/v1/care-plans", {"patient_id": story.account["patient_id"],
                                                    "template": "hypertension"})
    story["plan"] = plan
    return (f"Dr Wang enrols the patient in a hypertension plan: a visit every {plan['visit_every_days']} days, "
            f"home BP twice a week; next follow-up due {plan['next_visit']['due_on']} ({plan['fhir']})")


def home_reading(story):
    story.patient.post("/api/v1/measurements", {"code": "blood-pressure", "systolic": 132, "diastolic": 84,
                                                "method": "device-automatic", "device": "Omron HEM-7136"})
    reading = story.patient.post("/api/v1/measurements", {"code": "blood-pressure", "systolic": 184, "diastolic": 112,
                                                          "method": "device-automatic", "device": "Omron HEM-7136"})
    if not reading["alerts"]:
        raise StepFailed("a reading of 184/112 raised no alert", problem=reading)
    alert = reading["alerts"][0]
    open_alerts = story.doctor.items("/api/v1/measurements/alerts?status=open")
    if alert["id"] not in {a["id"] for a in open_alerts}:
        raise StepFailed("the alert is not on the doctor's open list", problem=open_alerts)
    return (f"home BP 184/112 mmHg from an Omron HEM-7136 ({reading['fhir']}): alert {alert['rule_id']} "
            f"({alert['severity']}) on Dr Wang's open list: {alert['reason']}")


def recheck(story):
    visit = story.patient.post(f"/api/v1/care-plans/{story['plan']['id']}/recheck")
    if visit["mode"] != "in_person":
        raise StepFailed("an urgent reading left the follow-up online", problem=visit)
    return (f"eligibility re-checked before the online follow-up: {visit['recheck_decision']}, the visit due "
            f"{visit['due_on']} is in person ({visit['recheck_reasons'][0]['rule_id']})")


def order_and_book(story):
    order = story.doctor.post("/api/v1/service-requests", {"patient_id": story.account["patient_id"],
                                                           "test": "lipid-panel", "reason": "cardiovascular risk"})
    day = (story.api.now() + timedelta(days=2)).date().isoformat()
    places = story.patient.items(f"/api/v1/service-requests/{order['id']}/places?date={day}"
                                 f"&lat={HOME['lat']}&lon={HOME['lon']}")
    place = next((p for p in places if p["left"] > 0), None)
    if place is None:
        raise StepFailed("no institution has a place for the lipid panel", problem=places)
    booked = story.patient.post(f"/api/v1/service-requests/{order['id']}/booking",
                                {"institution_id": place["institution_id"], "date": day})
    story["order"] = booked
    return (f"Dr Wang orders a lipid panel ({order['fhir']}); the patient books it at {place['name']} "
            f"({place['distance_km']} km) on {booked['booked_on']}")


def lab_result(story):
    order = story["order"]
    story.doctor.post(f"/api/v1/service-requests/{order['id']}/report", {"results": [
        {"code": "14647-2", "value": 6.1}, {"code": "14927-8", "value": 1.5}, {"code": "14646-4", "value": 1.2},
        {"code": "22748-8", "value": 4.1}]})
    report = story.patient.get(f"/fhir/DiagnosticReport/dr-{order['id']}")
    flags = []
    for ref in report["result"]:
        observation = story.patient.get(f"/fhir/{ref['reference']}")
        flags.append(f"{observation['code']['coding'][0]['display']} {observation['valueQuantity']['value']} "
                     f"{observation['interpretation'][0]['coding'][0]['code']}")
    told = [n for n in story.doctor.items("/api/v1/notifications") if n["kind"] == "inspection_result"]
    if not told:
        raise StepFailed("the ordering doctor was not told of the result")
    return [f"the lab reports: DiagnosticReport/{report['id']} final; the doctor is told ({told[0]['title']})",
            "the patient reads: " + "; ".join(flags)]


def nursing_visit(story):
    start = story.api.now() + timedelta(hours=2)
    request = story.patient.post("/api/v1/nursing/requests", {
        "service": "post-discharge-check", "address": HOME["address"], "latitude": HOME["lat"],
        "longitude": HOME["lon"], "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=2)).isoformat()})
    nurse = story.api.login(*NURSE)
    visit = request["visit"]
    if visit["nurse_user_id"] != nurse.me["id"]:
        raise StepFailed("the home visit went to another nurse than the demo's", problem=request)
    checked_in = nurse.post(f"/api/v1/nursing/visits/{visit['id']}/check-in",
                            {"latitude": HOME["lat"], "longitude": HOME["lon"]})
    done = nurse.post(f"/api/v1/nursing/visits/{visit['id']}/check-out", {
        "latitude": HOME["lat"], "longitude": HOME["lon"], "procedure_note": "Home check: well, BP re-measured",
        "observations": [{"code": "blood-pressure", "systolic": 146, "diastolic": 92}]})
    encounter = story.patient.get(f"/fhir/{done['encounter']}")
    return (f"a home nurse ({nurse.me['name']}) is assigned ({request['distance_km']} km away), checks in "
            f"{checked_in['check_in_km']} km from the address and out: {done['encounter']}: class "
            f"{encounter['class']['code']}, {encounter['status']}")


STEPS = [
    ("the doctor enrols the patient in a follow-up plan", enrol),
    ("a home blood pressure reading alerts the doctor", home_reading),
    ("eligibility is re-checked before the online follow-up", recheck),
    ("the doctor orders a lab test and the patient books it", order_and_book),
    ("the lab result comes back", lab_result),
    ("a home nurse visits", nursing_visit),
]
