"""Steps 21-27: the doctor prescribes, the platform pharmacist reviews, the patient asks for delivery,
the pharmacy the order is routed to accepts, prepares and delivers it, and the patient reads the
record through /fhir."""
import secrets
from datetime import datetime

from seeds.scenario.client import StepFailed
from seeds.scenario.live import LiveConnection
from seeds.scenario.journey import ADMIN, HOME, PHARMACISTS, REVIEWER, minutes

AMLODIPINE = {"code": "C08CA01", "dose": "5 mg", "frequency": "once daily",
              "route": "oral", "quantity": 28, "days_supply": 28}


def prescribe(story):
    prescription = story.doctor.post("/api/v1/prescriptions", {
        "consultation_id": story["consultation"]["id"], "items": [AMLODIPINE]})
    story["prescription"] = prescription
    signature = prescription.get("signature") or {}
    return (f"the doctor prescribes amlodipine 5 mg once daily x {AMLODIPINE['quantity']} (ATC C08CA01, "
            f"{AMLODIPINE['days_supply']} days): prescription {prescription['status']}, signed "
            f"{signature.get('algorithm', '')}; risk check {((prescription.get('check') or {}).get('decision'))}")


def review(story):
    reviewer = story.api.login(*REVIEWER)
    pid = story["prescription"]["id"]
    queue = reviewer.items("/api/v1/reviews?limit=200")
    if pid not in [p["id"] for p in queue]:
        raise StepFailed(f"{REVIEWER[0]}'s review queue ({len(queue)} waiting) does not show prescription {pid}")
    verified = reviewer.get(f"/api/v1/prescriptions/{pid}/verify")
    item = reviewer.get(f"/api/v1/prescriptions/{pid}/review")
    facts, flags = item.get("facts") or {}, item.get("flags") or []
    for flag in flags:  # the demo pharmacist has checked each concern with the doctor
        if flag["decision"] is None:
            reviewer.post(f"/api/v1/prescriptions/{pid}/review/flags/{flag['number']}",
                          {"decision": "override", "reason": "checked with the prescribing doctor"})
    approved = reviewer.post(f"/api/v1/prescriptions/{pid}/review", {"decision": "approve"})
    seen = (f"age {(facts.get('patient') or {}).get('age_years')}, {len(facts.get('allergies') or [])} allergies, "
            f"{len(facts.get('conditions') or [])} active conditions, {len(facts.get('medicines') or [])} current "
            f"medicines; flags: {', '.join(f['code'] for f in flags) or 'none'}")
    return (f"{reviewer.me['name']} finds it in the review queue ({len(queue)} waiting), checks the doctor's "
            f"signature (valid: {verified.get('valid')}), reads the review item ({seen}) and approves: "
            f"prescription {approved['status']}")


def ask_for_delivery(story):
    """The demo pharmacy's counter app is online (Socket.IO) before the patient asks, so an offer is heard live."""
    counters = {}
    for pharmacy_id, account in PHARMACISTS.items():
        pharmacist = story.api.login(*account)
        counters[pharmacy_id] = (pharmacist, LiveConnection(pharmacist).connect())
        story.sockets.append(counters[pharmacy_id][1])
    order = story.patient.post(f"/api/v1/prescriptions/{story['prescription']['id']}/fulfilment", {
        "mode": "delivery", "location": {"lat": HOME["lat"], "lon": HOME["lon"]}, "address": HOME["address"]})
    story["order"] = order
    pharmacy = order.get("pharmacy") or {}
    if order["status"] != "offered" or not pharmacy:
        raise StepFailed(f"the delivery order could not be routed: {order['status']} ({order.get('reason')})",
                         problem=order)
    deadline = datetime.fromisoformat(order["offer_deadline"]) - story.patient.now() if order.get("offer_deadline") else None
    answer_within = f", to answer within {minutes(deadline)} min" if deadline else ""
    lines = [f"the patient asks for home delivery to {HOME['address']}: order {order['status']} to "
             f"{pharmacy['name']} ({pharmacy.get('distance_km')} km away{answer_within})"]
    if pharmacy["id"] in counters:
        story["pharmacist"], live = counters[pharmacy["id"]]
        heard = live.wait_for("notification", lambda n: n.get("kind") == "order.offered"
                              and (n.get("data") or {}).get("order_id") == order["id"])
        lines.append(f"the pharmacy's counter app hears \"{heard['title']}\" live")
    return lines


def _onboard_pharmacist(story, pharmacy_id):
    """The order went to a pharmacy without a demo account (routing depends on the hour: a delivery goes to
    a pharmacy open now): the administrator onboards an on-duty pharmacist there."""
    admin = story.api.login(*ADMIN)
    username, password = f"duty.{secrets.token_hex(4)}", f"duty{secrets.token_hex(8)}7"  # letters and digits
    admin.post("/api/v1/admin/users", {"role": "pharmacist", "username": username, "password": password,
                                       "name": "值班药师 Duty pharmacist", "pharmacy_id": pharmacy_id})
    return story.api.login(username, password)


def pharmacy_accepts(story):
    order, pharmacy = story["order"], story["order"]["pharmacy"]
    if "pharmacist" in story.values:  # the demo pharmacist, already signed in at the counter
        pharmacist = story["pharmacist"]
        who = f"as its demo pharmacist {pharmacist.who}"
    else:
        pharmacist = story["pharmacist"] = _onboard_pharmacist(story, pharmacy["id"])
        who = f"as {pharmacist.who}, an on-duty pharmacist the administrator onboarded"
    offered = pharmacist.items("/api/v1/pharmacy/orders?status=offered&limit=200")
    if order["id"] not in [o["id"] for o in offered]:
        raise StepFailed(f"order {order['id']} is not among the {len(offered)} offered to {pharmacy['name']}")
    accepted = pharmacist.post(f"/api/v1/pharmacy/orders/{order['id']}/accept")
    items = ", ".join(f"{i.get('display') or i['code']} x {i['quantity']}" for i in accepted.get("items", []))
    return f"{pharmacy['name']} accepts the order ({who}): {accepted['status']}, stock reserved for {items}"


def _advance(action, text):
    def step(story):
        answer = story["pharmacist"].post(f"/api/v1/pharmacy/orders/{story['order']['id']}/{action}")
        return f"{text}: order {answer['status']}"
    return step


def delivered(story):
    """The courier hands it over; the patient's app hears it live (a `notification` on /consult)."""
    order_id = story["order"]["id"]
    answer = story["pharmacist"].post(f"/api/v1/pharmacy/orders/{order_id}/delivered")
    heard = story["patient_live"].wait_for("notification", lambda n: n.get("kind") == "order.delivered"
                                           and (n.get("data") or {}).get("order_id") == order_id)
    return f"the courier hands it over: order {answer['status']}; the patient's app hears \"{heard['title']}\" live"


def read_record(story):
    """The patient reads their own record through the FHIR API."""
    pid = story.account["patient_id"]
    lines, found = ["the patient reads their record through /fhir:"], {}
    for query in (f"Encounter?patient={pid}", f"Condition?patient={pid}", f"MedicationDispense?patient={pid}"):
        bundle = story.patient.get(f"/fhir/{query}")
        resources = [e["resource"] for e in bundle.get("entry", []) if e.get("search", {}).get("mode") != "include"]
        found[query.split("?")[0]] = resources
        lines += [f"{query.split('?')[0]}/{r['id']}: {_summary(r)}" for r in resources]
    virtual = [e for e in found["Encounter"] if (e.get("class") or {}).get("code") == "VR"]
    missing = [t for t, rs in found.items() if not rs] + ([] if virtual else ["the online (VR) Encounter"])
    if missing:
        raise StepFailed(f"the patient's FHIR record lacks {', '.join(missing)}")
    return lines


def _summary(resource):
    kind = resource["resourceType"]
    if kind == "Encounter":
        return f"class {resource['class'].get('code')}, {resource['status']}, {(resource.get('period') or {}).get('start', '')[:16]}"
    if kind == "Condition":
        coding = resource["code"]["coding"][0]
        status = resource.get("verificationStatus", {}).get("coding", [{}])[0].get("code")
        return f"{coding['code']} {coding.get('display', '')} ({status})"
    concept = resource.get("medicationCodeableConcept") or {}
    coding = (concept.get("coding") or [{}])[0]
    quantity = (resource.get("quantity") or {}).get("value")
    return f"{coding.get('code')} {concept.get('text') or coding.get('display', '')} x {quantity}, {resource['status']}"


STEPS = [
    ("the doctor prescribes", prescribe),
    ("the reviewing pharmacist approves the prescription", review),
    ("the patient asks for delivery", ask_for_delivery),
    ("the pharmacy accepts the order", pharmacy_accepts),
    ("the pharmacy prepares the order", _advance("prepared", "the pharmacy prepares the medicine")),
    ("the courier takes the order", _advance("out-for-delivery", "the courier leaves with it (dispensed)")),
    ("the order is delivered", delivered),
    ("the patient reads the Encounter, Condition and MedicationDispense", read_record),
]
