"""The last step: a patient without an in-person diagnosis is refused online treatment, with the
reasons, and referred offline (the referral target shown)."""
from seeds.scenario.client import StepFailed
from seeds.scenario.journey import COMPLAINT, HOME, INELIGIBLE_PATIENT


def refused_and_referred(story):
    patient = story.api.login(*INELIGIBLE_PATIENT)
    answer = patient.post("/api/v1/eligibility", {
        "checkpoint": "book_online", "complaint_code": COMPLAINT, "doctor_id": story.doctor.me["practitioner_id"],
        "location": {"lat": HOME["lat"], "lon": HOME["lon"]}})  # the app sends where the patient is
    if answer.get("allowed_online"):
        raise StepFailed(f"{INELIGIBLE_PATIENT[0]} has no in-person diagnosis but was allowed online", problem=answer)
    problem = patient.refused("/api/v1/appointments", {
        "slot_id": story["online_slot"]["id"], "kind": "online", "reason": f"{COMPLAINT} follow-up",
        "complaint_code": COMPLAINT}, statuses=(409, 422))
    referral = answer.get("referral") or problem.get("referral") or {}
    lines = [f"demo patient {patient.me['name']} ({INELIGIBLE_PATIENT[0]}), no in-person diagnosis: eligibility "
             f"{answer['decision']}; booking Dr Wang online refused ({problem.get('code')})"]
    lines += [f"reason {r['rule_id']}: {r['message']}" for r in answer.get("reasons", [])]
    targets = [f"{i['name']} ({i['distance_km']} km)" for i in referral.get("institutions", [])[:3]]
    if referral.get("family_doctor"):
        targets.insert(0, f"family doctor {referral['family_doctor'].get('name') or referral['family_doctor']}")
    if not targets:
        raise StepFailed("the refusal named no referral target", problem=answer)
    lines.append("referred offline to: " + "; ".join(targets))
    return lines


STEPS = [("an ineligible patient is refused online treatment and referred offline", refused_and_referred)]
