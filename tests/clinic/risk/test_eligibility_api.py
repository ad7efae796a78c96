"""POST /api/v1/eligibility and /api/v1/triage end to end: facts come from the record, decisions are
logged and audited."""
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry
from tests.clinic.risk.helpers import STABLE_VITALS, give_history, sign_protocol


def check(client, headers, **body):
    r = client.post("/api/v1/eligibility", json=body, headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def rule_ids(answer):
    return {r["rule_id"] for r in answer["reasons"]}


def test_a_first_visit_is_referred_offline(accounts, client):
    _, headers = accounts.patient()
    sign_protocol(client, headers)
    answer = check(client, headers, checkpoint="book_online", complaint_code="I10")
    assert answer["decision"] == "refer_offline" and "visit.follow_up_only" in rule_ids(answer)
    assert "see_in_person" in answer["next_steps"] and "referral" in answer


def test_a_follow_up_with_a_signed_protocol_may_book_online(app, accounts, client):
    account, headers = accounts.patient()
    give_history(app, account["patient_id"], code="I10")
    sign_protocol(client, headers)
    answer = check(client, headers, checkpoint="book_online", complaint_code="I10")
    assert answer["decision"] == "allow" and answer["allowed_online"] and answer["reasons"] == []


def test_a_category_match_counts_and_a_telehealth_diagnosis_does_not(app, accounts, client):
    account, headers = accounts.patient()
    give_history(app, account["patient_id"], code="E11.9")
    give_history(app, account["patient_id"], code="I10", encounter_class="VR")
    sign_protocol(client, headers)
    assert check(client, headers, checkpoint="book_online", complaint_code="E11")["decision"] == "allow"
    assert check(client, headers, checkpoint="book_online", complaint_code="I10")["decision"] == "refer_offline"


def test_without_the_protocol_consent_is_needed(app, accounts, client):
    account, headers = accounts.patient()
    give_history(app, account["patient_id"])
    answer = check(client, headers, checkpoint="book_online", complaint_code="I10")
    assert answer["decision"] == "needs_consent" and answer["next_steps"] == ["sign_protocol"]


def test_start_needs_a_fresh_triage_and_red_flags_refer_with_urgency(app, accounts, client):
    account, headers = accounts.patient()
    give_history(app, account["patient_id"])
    sign_protocol(client, headers)
    assert check(client, headers, checkpoint="start_consultation", complaint_code="I10")["decision"] == "needs_triage"
    ok = client.post("/api/v1/triage", json={"symptoms": ["25064002"], "vitals": STABLE_VITALS}, headers=headers)
    assert ok.status_code == 201 and ok.get_json()["assessment"]["stable"] is True
    assert check(client, headers, checkpoint="start_consultation", complaint_code="I10")["decision"] == "allow"
    bad = client.post("/api/v1/triage", json={"symptoms": ["29857009"], "vitals": {**STABLE_VITALS, "systolic_bp": 185}},
                      headers=headers)
    assessment = bad.get_json()["assessment"]
    assert assessment["stable"] is False and assessment["urgency"] == "emergency"
    answer = check(client, headers, checkpoint="start_consultation", complaint_code="I10")
    assert answer["decision"] == "refer_offline" and answer["urgency"] == "emergency"
    assert answer["emergency_number"] == "120" and answer["next_steps"][0] == "call_emergency"


def test_triage_is_stored_in_the_patients_record(app, accounts, client):
    account, headers = accounts.patient()
    client.post("/api/v1/triage", json={"symptoms": [], "vitals": STABLE_VITALS}, headers=headers)
    bundle = client.get(f"/fhir/Observation?subject=Patient/{account['patient_id']}&code=http://loinc.org|8480-6",
                        headers=headers).get_json()
    assert bundle["total"] == 1 if "total" in bundle else len(bundle["entry"]) == 1
    assert bundle["entry"][0]["resource"]["valueQuantity"]["value"] == 135


def test_bad_triage_input_is_refused_and_nothing_is_stored(accounts, client):
    account, headers = accounts.patient()
    r = client.post("/api/v1/triage", json={"symptoms": ["123"], "vitals": {"spo2": 180}}, headers=headers)
    assert r.status_code == 422
    fields = {e["field"] for e in r.get_json()["errors"]}
    assert fields == {"symptoms[0]", "vitals.spo2"}
    found = client.get(f"/fhir/QuestionnaireResponse?subject=Patient/{account['patient_id']}", headers=headers)
    assert found.get_json().get("entry", []) == []


def test_restricted_drugs_are_denied_and_ordinary_ones_go_to_review(app, accounts, client):
    account, headers = accounts.patient()
    give_history(app, account["patient_id"])
    sign_protocol(client, headers)
    _, admin = accounts.admin()
    base = {"checkpoint": "prescribe", "patient_id": account["patient_id"], "complaint_code": "I10"}
    denied = check(client, admin, **base, medications=[{"code": "N05BA01", "days_supply": 14}])
    assert denied["decision"] == "deny" and "prescription.restricted_drug" in rule_ids(denied)
    fine = check(client, admin, **base, medications=[{"code": "C08CA01", "days_supply": 30}])
    assert fine["decision"] == "needs_pharmacist_review" and fine["allowed_online"] is True


def test_every_evaluation_is_logged_visible_and_audited(app, accounts, client):
    account, headers = accounts.patient()
    _, other = accounts.patient(name="Other")
    answer = check(client, headers, checkpoint="book_online", complaint_code="I10")
    log = client.get("/api/v1/risk/decisions", headers=headers).get_json()["items"]
    assert [d["id"] for d in log] == [answer["decision_id"]]
    assert log[0]["facts"]["visit.is_follow_up"] is False and log[0]["ruleset_version"] == "2026.2"
    assert client.get(f"/api/v1/risk/decisions?patient_id={account['patient_id']}", headers=other).status_code == 403
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "risk-evaluate")).one()
        assert entry.patient_ref == f"Patient/{account['patient_id']}"


def test_a_patient_cannot_check_someone_else(accounts, client):
    _, alice = accounts.patient(name="Alice")
    bob, _ = accounts.patient(name="Bob")
    r = client.post("/api/v1/eligibility", json={"checkpoint": "book_online", "patient_id": bob["patient_id"]},
                    headers=alice)
    assert r.status_code == 403


def test_an_unknown_patient_is_404(accounts, client):
    _, admin = accounts.admin()
    r = client.post("/api/v1/eligibility", json={"checkpoint": "book_online", "patient_id": "nobody"}, headers=admin)
    assert r.status_code == 404 and r.mimetype == "application/problem+json"


def test_a_refusal_with_the_patients_location_names_the_nearest_primary_institutions(accounts, client, world):
    near = world.institution()
    _, headers = accounts.patient()
    sign_protocol(client, headers)
    without = check(client, headers, checkpoint="book_online", complaint_code="I10")
    assert without["referral"]["institutions"] == []
    answer = check(client, headers, checkpoint="book_online", complaint_code="I10", location={"lat": 29.87, "lon": 121.54})
    assert answer["decision"] == "refer_offline"
    assert [i["id"] for i in answer["referral"]["institutions"]] == [near]
    r = client.post("/api/v1/eligibility", json={"checkpoint": "book_online", "location": {"lat": 91, "lon": 0}},
                    headers=headers)
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"].startswith("location")
