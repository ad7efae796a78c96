"""Steps 1-12: a new patient registers, signs the protocol, submits triage, is refused online care (a
first diagnosis must be made in person) and referred; they see the doctor in person, who records the
hypertension diagnosis; now online follow-up is allowed."""
import random
from datetime import date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from core.identity import make_id_number
from seeds.scenario.client import StepFailed
from seeds.scenario.journey import COMPLAINT, DOCTOR, STABLE_VITALS
from seeds.scenario.sessions import slot_within_check_in
from seeds.scenario.sms_outbox import last_code_sent_to, outbox_path

HAISHU = "330203"
PASSWORD = "scenario123"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def _local(iso, institution):
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(institution.get("timezone") or "Asia/Shanghai"))


def register(story):
    """A fresh identity each run: a valid GB 11643 number and an unused mobile, which proves itself with the
    code the service texts it (read from the development gateway's outbox: seeds/scenario/sms_outbox.py).
    A phone that already has an account gets a warning instead of a code: try another identity."""
    rng = random.SystemRandom()
    for _ in range(5):
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 35))
        id_number = make_id_number(HAISHU, born, rng.randrange(1000))
        phone = f"13{rng.randrange(5, 10)}{rng.randrange(10**8):08d}"
        story.api.request("POST", "/api/v1/auth/phone-codes", expect=(202,), json={"phone": phone})
        code = last_code_sent_to(phone)
        if code is None:
            continue
        answer = story.api.request("POST", "/api/v1/auth/register", expect=(201,), json={
            "name": "孙明 Sun Ming", "id_number": id_number, "phone": phone, "password": PASSWORD, "code": code})
        story.account = {**answer, "phone": phone, "id_number": id_number, "born": born}
        return (f"a new patient registered with the code texted to their phone: 孙明 Sun Ming, ID "
                f"{id_number[:6]}********{id_number[14:]}, mobile {phone}, born {born} (patient {answer['patient_id']})")
    raise StepFailed(f"no registration code reached five fresh phones (looked in {outbox_path()}): is the service "
                     "using the development SMS gateway (SMS_GATEWAY=console) with the same instance folder?")


def log_in(story):
    story.patient = story.api.login(story.account["phone"], PASSWORD)
    return f"logged in with the mobile number: role {story.patient.me['role']}, account {story.patient.me['id']}"


def sign_protocol(story):
    protocol = story.patient.get("/api/v1/consents/protocol")
    consent = story.patient.post("/api/v1/consents", {"protocol_version": protocol["version"]})
    return (f"signed the online-treatment protocol {protocol['version']} ({protocol['title'].split(' / ')[0]}): "
            f"consent {consent['status']} until {consent['expires_at'][:10]}")


def submit_triage(story):
    answer = story.patient.post("/api/v1/triage", {"symptoms": [], "vitals": STABLE_VITALS})
    assessment = answer.get("assessment") or {}
    vitals = STABLE_VITALS
    if not assessment.get("stable"):
        raise StepFailed("stable vital signs were judged unstable", problem=answer)
    return (f"triage submitted (no symptoms; BP {vitals['systolic_bp']}/{vitals['diastolic_bp']} mmHg, HR "
            f"{vitals['heart_rate']}, SpO2 {vitals['spo2']}%): stable, outcome {assessment.get('outcome')}")


def find_online_slot(story):
    """The patient looks for an online hypertension follow-up with Dr Wang in the next hour."""
    story.doctor = story.api.login(*DOCTOR)
    doctors = story.patient.items("/api/v1/doctors?specialty=hypertension&online=true")
    practitioner = story.doctor.me["practitioner_id"]
    story.doctor_record = next((d for d in doctors if d["practitioner_id"] == practitioner), None)
    if story.doctor_record is None:
        raise StepFailed(f"{DOCTOR[0]} ({practitioner}) is not listed among the online hypertension doctors")
    free = [r for r in story.patient.items("/api/v1/rooms?clinic=hypertension")
            if r.get("doctor_user_id") in (None, story.doctor.me["id"])]  # not held by another doctor
    if not free:
        raise StepFailed("no hypertension cloud consulting room is free for the doctor")
    story["room"] = free[0]
    story["cloud"] = story.patient.get(f"/api/v1/institutions/{free[0]['institution_id']}")
    slot, how = slot_within_check_in(story.patient, story.doctor, story.doctor_record["id"], story["cloud"], "online")
    story["online_slot"] = slot
    return (f"found an online slot with {story.doctor_record['name']} ({len(doctors)} online hypertension doctor(s) "
            f"listed) at {_local(slot['starts_at'], story['cloud']):%Y-%m-%d %H:%M} "
            f"{story['cloud']['name']} ({how})")


def refused_online(story):
    """A first visit cannot be online: the booking is refused with the reasons and a referral."""
    problem = story.patient.refused("/api/v1/appointments", {
        "slot_id": story["online_slot"]["id"], "kind": "online", "reason": f"{COMPLAINT} high blood pressure",
        "complaint_code": COMPLAINT}, statuses=(422,))
    story["referral"] = problem.get("referral") or {}
    if "visit.follow_up_only" not in [r.get("rule_id") for r in problem.get("reasons", [])]:
        raise StepFailed("the refusal does not say that online care is for follow-ups only", problem=problem)
    lines = [f"online booking refused ({problem.get('code')}, decision {problem.get('decision')}): "
             f"no in-person diagnosis of {COMPLAINT} on record yet"]
    lines += [f"reason {r['rule_id']}: {r['message']}" for r in problem.get("reasons", [])]
    lines += [f"referred offline to {i['name']} ({i['distance_km']} km, tel {i.get('phone')})"
              for i in story["referral"].get("institutions", [])[:3]]
    if story["referral"].get("family_doctor"):
        lines.append(f"or the family doctor: {story['referral']['family_doctor']}")
    if not story["referral"].get("institutions"):
        raise StepFailed("the refusal named no institution to go to in person", problem=problem)
    return lines


def _in_person_institution(story):
    """Where Dr Wang sees patients in person, preferring an institution the referral named."""
    referred = [i["id"] for i in story["referral"].get("institutions", [])]
    mine = [story.patient.get(f"/api/v1/institutions/{i}") for i in story.doctor_record["institution_ids"]]
    primary = [i for i in mine if i["kind"] == "primary"] or mine
    return next((i for i in primary if i["id"] in referred), primary[0])


def book_in_person(story):
    institution = story["clinic"] = _in_person_institution(story)
    slot, how = slot_within_check_in(story.patient, story.doctor, story.doctor_record["id"], institution, "in_person",
                                     avoid=[story["online_slot"]["starts_at"]])
    appointment = story.patient.post("/api/v1/appointments", {
        "slot_id": slot["id"], "kind": "in_person", "reason": "Headaches and high blood pressure readings at home",
        "channel": "app"})
    story["visit"] = appointment
    referred = "the referral's" if institution["id"] in [i["id"] for i in story["referral"].get("institutions", [])] \
        else "Dr Wang's"
    return (f"booked an in-person visit at {institution['name']} ({referred} choice) with {story.doctor_record['name']} "
            f"at {_local(slot['starts_at'], institution):%H:%M} ({how}): appointment {appointment['status']}")


def check_in_at_clinic(story):
    position = story.patient.post(f"/api/v1/appointments/{story['visit']['id']}/check-in")
    return (f"checked in at the clinic's kiosk: queue number {position['queue_number']}, position "
            f"{position['position']}, estimated wait {position['estimated_wait_minutes']} min")


def doctor_calls_in_person(story):
    called = story.doctor.post(f"/api/v1/appointments/{story['visit']['id']}/call")
    return f"{story.doctor_record['name']} calls the patient in: appointment {called['status']}"


def _fhir_id(bundle_or_none, what):
    entries = (bundle_or_none or {}).get("entry") or []
    if not entries:
        raise StepFailed(f"FHIR search found no {what}", problem=bundle_or_none)
    return entries[0]["resource"]


def record_diagnosis_in_person(story):
    """The doctor writes the visit into the record the way an EMR does: one FHIR transaction with the
    ambulatory Encounter at the institution, the measured blood pressure and the confirmed diagnosis."""
    patient_id, practitioner = story.account["patient_id"], story.doctor.me["practitioner_id"]
    org = _fhir_id(story.doctor.get("/fhir/Organization?identifier=" + quote(
        f"urn:cloud-hospital:institution-code|{story['clinic']['code']}")), f"Organization {story['clinic']['code']}")
    visit_start = story["visit"]["starts_at"]
    appointments = story.doctor.get(f"/fhir/Appointment?patient={patient_id}&_count=20").get("entry") or []
    appointment = next((e["resource"] for e in appointments if e["resource"].get("start") and
                        datetime.fromisoformat(e["resource"]["start"]) == datetime.fromisoformat(visit_start)), None)
    now = story.doctor.now().isoformat()
    subject, encounter_ref = {"reference": f"Patient/{patient_id}"}, {"reference": "urn:uuid:visit-encounter"}
    encounter = {"resourceType": "Encounter", "status": "finished", "subject": subject,
                 "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB",
                           "display": "ambulatory"},
                 "participant": [{"individual": {"reference": f"Practitioner/{practitioner}"}}],
                 "period": {"start": now, "end": now}, "serviceProvider": {"reference": f"Organization/{org['id']}"},
                 "reasonCode": [{"coding": [{"system": ICD10, "code": COMPLAINT}]}]}
    if appointment:
        encounter["appointment"] = [{"reference": f"Appointment/{appointment['id']}"}]
    pressure = {"resourceType": "Observation", "status": "final", "subject": subject, "encounter": encounter_ref,
                "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                          "code": "vital-signs"}]}],
                "code": {"coding": [{"system": LOINC, "code": "85354-9", "display": "Blood pressure panel"}]},
                "effectiveDateTime": now, "performer": [{"reference": f"Practitioner/{practitioner}"}],
                "component": [_bp(code, name, value) for code, name, value in
                              (("8480-6", "Systolic blood pressure", 162), ("8462-4", "Diastolic blood pressure", 98))]}
    condition = {"resourceType": "Condition", "subject": subject, "encounter": encounter_ref,
                 "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                                "code": "active"}]},
                 "verificationStatus": {"coding": [{
                     "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
                 "code": {"coding": [{"system": ICD10, "code": COMPLAINT, "display": "Essential (primary) hypertension"}],
                          "text": "Essential (primary) hypertension"},
                 "recorder": {"reference": f"Practitioner/{practitioner}"}, "onsetDateTime": now}
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": url, "resource": resource, "request": {"method": "POST", "url": resource["resourceType"]}}
        for url, resource in (("urn:uuid:visit-encounter", encounter), ("urn:uuid:visit-bp", pressure),
                              ("urn:uuid:visit-condition", condition))]}
    answer = story.doctor.request("POST", "/fhir", json=bundle, headers={"Content-Type": "application/fhir+json"})
    locations = [e["response"]["location"].split("/_history")[0].split("/fhir/")[-1] for e in answer["entry"]]
    story["in_person_condition"] = locations[2]
    return [f"the doctor measures BP 162/98 mmHg and diagnoses essential hypertension ({COMPLAINT}), written to the "
            f"record in one FHIR transaction:", ", ".join(locations) + f" (Encounter class AMB at {org['name']})"]


def _bp(code, name, value):
    return {"code": {"coding": [{"system": LOINC, "code": code, "display": name}]},
            "valueQuantity": {"value": value, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}}


def finish_in_person(story):
    finished = story.doctor.post(f"/api/v1/appointments/{story['visit']['id']}/finish")
    return f"the doctor finishes the in-person visit: appointment {finished['status']}"


def now_eligible(story):
    """Why online care is now allowed: the rules' follow-up fact is met by the in-person diagnosis."""
    answer = story.patient.post("/api/v1/eligibility", {
        "checkpoint": "book_online", "complaint_code": COMPLAINT, "doctor_id": story.doctor.me["practitioner_id"]})
    if not answer.get("allowed_online"):
        raise StepFailed(f"online follow-up still refused after the in-person diagnosis: {answer.get('reasons')}",
                         problem=answer)
    return (f"eligibility for online follow-up of {COMPLAINT}: {answer['decision']} (rule set "
            f"{answer.get('ruleset_version')}): visit.follow_up_only is met by {story['in_person_condition']} "
            f"diagnosed at an in-person (AMB) Encounter, and the protocol is signed")


STEPS = [
    ("a new patient registers", register),
    ("the patient logs in", log_in),
    ("the patient signs the online-treatment protocol", sign_protocol),
    ("the patient submits the pre-consultation triage", submit_triage),
    ("the patient finds an online slot with a hypertension doctor", find_online_slot),
    ("a first online visit is refused and referred offline", refused_online),
    ("the patient books an in-person visit", book_in_person),
    ("the patient checks in at the clinic", check_in_at_clinic),
    ("the doctor calls the patient in", doctor_calls_in_person),
    ("the doctor records the in-person diagnosis", record_diagnosis_in_person),
    ("the doctor finishes the in-person visit", finish_in_person),
    ("online follow-up is now allowed", now_eligible),
]
