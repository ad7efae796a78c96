"""Shared decision table for the default rule set: (id, checkpoint, changes, decision, fired)."""

import copy

import pytest

DROP = object()  # a change that removes the fact

PHARM = "prescription.pharmacist_review"
FOLLOW_UP = "visit.follow_up_only"
CONSENT = "consent.protocol_signed"
TRIAGE = "triage.fresh"
GUARDIAN = "child.guardian_present"
REGISTERED = "child.guardian_registered"
PAEDIATRIC = "child.paediatric_doctor"
CHANGED = "visit.condition_changed"
RESTRICTED = "prescription.restricted_drug"
DAYS = "prescription.days_supply"
RED_EMERGENCY = "stability.red_flag_emergency"
RED_URGENT = "stability.red_flag_urgent"
BP, SPO2, TEMP = "stability.blood_pressure", "stability.spo2", "stability.temperature"
HR, RR = "stability.heart_rate", "stability.respiratory_rate"

PAEDIATRICIAN = {"doctor.specialties": ["paediatrics"], "doctor.is_paediatric": True}


def healthy_adult() -> dict:
    """A stable adult on a follow-up visit that every checkpoint lets through."""
    return {
        "patient": {"age_years": 45, "age_months": 540},
        "consent": {"status": "valid", "expires_at": "2026-12-31T00:00:00Z"},
        "visit": {"complaint_code": "I10", "is_follow_up": True, "condition_changed": False},
        "triage": {
            "present": True,
            "age_hours": 2,
            "symptoms": ["25064002"],
            "vitals": {"systolic_bp": 135, "diastolic_bp": 85, "heart_rate": 78,
                       "temperature_c": 36.8, "spo2": 98, "respiratory_rate": 16},
        },
        "guardian": {"present": False, "registered": False},
        "doctor": {"specialties": ["general_practice"], "is_paediatric": False},
        "medications": [{"code": "C08CA01", "system": "http://www.whocc.no/atc",
                         "control_class": None, "days_supply": 28}],
    }


def build_facts(changes: dict) -> dict:
    """Return the healthy adult with dotted-path changes applied (DROP removes)."""
    facts = copy.deepcopy(healthy_adult())
    for path, value in changes.items():
        *parents, leaf = path.split(".")
        node = facts
        for part in parents:
            node = node.setdefault(part, {})
        if value is DROP:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return facts


def med(code: str, days: int = 28, control_class=None) -> dict:
    return {"code": code, "system": "http://www.whocc.no/atc",
            "control_class": control_class, "days_supply": days}


def vital(name: str, value: float) -> dict:
    return {f"triage.vitals.{name}": value}


def case(case_id, checkpoint, changes, decision, fired=()):
    return pytest.param(checkpoint, changes, decision, tuple(fired), id=case_id)


CASES = [
    # baseline
    case("baseline-book-allow", "book_online", {}, "allow"),
    case("baseline-start-allow", "start_consultation", {}, "allow"),
    case("baseline-prescribe-needs-pharmacist", "prescribe", {}, "needs_pharmacist_review", [PHARM]),
    # follow-up only
    case("first-visit-book-refer", "book_online", {"visit.is_follow_up": False}, "refer_offline", [FOLLOW_UP]),
    case("follow-up-unknown-start-refer", "start_consultation", {"visit.is_follow_up": DROP}, "refer_offline", [FOLLOW_UP]),
    case("first-visit-prescribe-refer", "prescribe", {"visit.is_follow_up": False}, "refer_offline", [FOLLOW_UP, PHARM]),
    # red flags
    case("chest-pain-book-emergency", "book_online", {"triage.symptoms": ["29857009"]}, "refer_offline", [RED_EMERGENCY]),
    case("bleeding-start-urgent", "start_consultation", {"triage.symptoms": ["131148009", "25064002"]}, "refer_offline", [RED_URGENT]),
    case("emergency-and-urgent-flags", "start_consultation", {"triage.symptoms": ["66857006", "267036007"]}, "refer_offline", [RED_EMERGENCY, RED_URGENT]),
    case("ordinary-symptoms-allow", "start_consultation", {"triage.symptoms": ["49727002", "84229001", "404640003"]}, "allow"),
    case("no-triage-book-allow", "book_online", {"triage": DROP}, "allow"),
    case("red-flag-not-checked-at-prescribe", "prescribe", {"triage.symptoms": ["29857009"]}, "needs_pharmacist_review", [PHARM]),
    # vital sign boundaries (start_consultation)
    case("systolic-179-allow", "start_consultation", vital("systolic_bp", 179), "allow"),
    case("systolic-180-refer", "start_consultation", vital("systolic_bp", 180), "refer_offline", [BP]),
    case("systolic-90-allow", "start_consultation", vital("systolic_bp", 90), "allow"),
    case("systolic-89-refer", "start_consultation", vital("systolic_bp", 89), "refer_offline", [BP]),
    case("diastolic-119-allow", "start_consultation", vital("diastolic_bp", 119), "allow"),
    case("diastolic-120-refer", "start_consultation", vital("diastolic_bp", 120), "refer_offline", [BP]),
    case("spo2-92-allow", "start_consultation", vital("spo2", 92), "allow"),
    case("spo2-91.9-refer", "start_consultation", vital("spo2", 91.9), "refer_offline", [SPO2]),
    case("temp-39.4-allow", "start_consultation", vital("temperature_c", 39.4), "allow"),
    case("temp-39.5-refer", "start_consultation", vital("temperature_c", 39.5), "refer_offline", [TEMP]),
    case("hr-130-allow", "start_consultation", vital("heart_rate", 130), "allow"),
    case("hr-131-refer", "start_consultation", vital("heart_rate", 131), "refer_offline", [HR]),
    case("hr-45-allow", "start_consultation", vital("heart_rate", 45), "allow"),
    case("hr-44-refer", "start_consultation", vital("heart_rate", 44), "refer_offline", [HR]),
    case("rr-30-allow", "start_consultation", vital("respiratory_rate", 30), "allow"),
    case("rr-31-refer", "start_consultation", vital("respiratory_rate", 31), "refer_offline", [RR]),
    case("rr-8-allow", "start_consultation", vital("respiratory_rate", 8), "allow"),
    case("rr-7-refer", "start_consultation", vital("respiratory_rate", 7), "refer_offline", [RR]),
    case("high-bp-at-booking-refer", "book_online", vital("systolic_bp", 200), "refer_offline", [BP]),
    case("missing-vitals-allow", "start_consultation", {"triage.vitals": DROP}, "allow"),
    # triage freshness
    case("triage-missing-start", "start_consultation", {"triage": DROP}, "needs_triage", [TRIAGE]),
    case("triage-not-submitted", "start_consultation", {"triage.present": False}, "needs_triage", [TRIAGE]),
    case("triage-exactly-24h-allow", "start_consultation", {"triage.age_hours": 24}, "allow"),
    case("triage-24.01h-stale", "start_consultation", {"triage.age_hours": 24.01}, "needs_triage", [TRIAGE]),
    case("triage-age-unknown-stale", "start_consultation", {"triage.age_hours": DROP}, "needs_triage", [TRIAGE]),
    case("stale-triage-ok-for-booking", "book_online", {"triage.age_hours": 72}, "allow"),
    # consent
    case("consent-absent-book", "book_online", {"consent": DROP}, "needs_consent", [CONSENT]),
    case("consent-missing-start", "start_consultation", {"consent.status": "missing"}, "needs_consent", [CONSENT]),
    case("consent-expired-prescribe", "prescribe", {"consent.status": "expired"}, "needs_consent", [CONSENT, PHARM]),
    case("consent-revoked-book", "book_online", {"consent.status": "revoked"}, "needs_consent", [CONSENT]),
    # children under 6
    case("age-5-no-guardian", "start_consultation", {"patient.age_years": 5, **PAEDIATRICIAN}, "needs_guardian", [GUARDIAN]),
    case("age-5-guardian-paediatrician-allow", "start_consultation", {"patient.age_years": 5, "guardian.present": True, **PAEDIATRICIAN}, "allow"),
    case("age-5-doctor-flag-only-allow", "start_consultation", {"patient.age_years": 5, "guardian.present": True, "doctor.is_paediatric": True}, "allow"),
    case("age-6-no-guardian-gp-allow", "start_consultation", {"patient.age_years": 6}, "allow"),
    case("age-5-gp-needs-paediatrician", "start_consultation", {"patient.age_years": 5, "guardian.present": True}, "needs_paediatrician", [PAEDIATRIC]),
    case("age-5-gp-no-guardian-both-named", "prescribe", {"patient.age_years": 5}, "needs_paediatrician", [PAEDIATRIC, GUARDIAN, PHARM]),
    case("age-0-no-guardian", "start_consultation", {"patient.age_years": 0, "patient.age_months": 4, **PAEDIATRICIAN}, "needs_guardian", [GUARDIAN]),
    case("age-5-book-gp-no-guardian-both-named", "book_online", {"patient.age_years": 5}, "needs_paediatrician", [PAEDIATRIC, REGISTERED]),
    case("age-4-book-paediatrician-no-guardian", "book_online", {"patient.age_years": 4, **PAEDIATRICIAN}, "needs_guardian", [REGISTERED]),
    case("age-4-book-paediatrician-guardian-allow", "book_online", {"patient.age_years": 4, "guardian.registered": True, **PAEDIATRICIAN}, "allow"),
    case("age-4-book-guardian-not-present-yet-allow", "book_online", {"patient.age_years": 4, "guardian.registered": True, "guardian.present": False, **PAEDIATRICIAN}, "allow"),
    case("age-4-precheck-no-doctor-names-both", "book_online", {"patient.age_years": 4, "doctor": DROP}, "needs_paediatrician", [PAEDIATRIC, REGISTERED]),
    case("age-4-precheck-no-doctor-guardian", "book_online", {"patient.age_years": 4, "guardian.registered": True, "doctor": DROP}, "needs_paediatrician", [PAEDIATRIC]),
    case("age-6-book-gp-no-guardian-allow", "book_online", {"patient.age_years": 6}, "allow"),
    case("age-5-guardian-registered-but-absent-at-start", "start_consultation", {"patient.age_years": 5, "guardian.registered": True, **PAEDIATRICIAN}, "needs_guardian", [GUARDIAN]),
    case("age-5-doctor-unknown-needs-paediatrician", "start_consultation", {"patient.age_years": 5, "guardian.present": True, "doctor": DROP}, "needs_paediatrician", [PAEDIATRIC]),
    # change of condition
    case("condition-changed-start", "start_consultation", {"visit.condition_changed": True}, "refer_offline", [CHANGED]),
    case("condition-changed-prescribe", "prescribe", {"visit.condition_changed": True}, "refer_offline", [CHANGED, PHARM]),
    case("condition-changed-not-at-booking", "book_online", {"visit.condition_changed": True}, "allow"),
    # prescribing
    case("morphine-deny", "prescribe", {"medications": [med("N02AA01")]}, "deny", [RESTRICTED, PHARM]),
    case("fentanyl-with-ordinary-deny", "prescribe", {"medications": [med("C09CA01"), med("N02AB03")]}, "deny", [RESTRICTED, PHARM]),
    case("zolpidem-psychotropic-deny", "prescribe", {"medications": [med("N05CF02")]}, "deny", [RESTRICTED, PHARM]),
    case("arsenic-toxic-deny", "prescribe", {"medications": [med("L01XX27")]}, "deny", [RESTRICTED, PHARM]),
    case("iodine-131-radioactive-deny", "prescribe", {"medications": [med("V10XA01")]}, "deny", [RESTRICTED, PHARM]),
    case("diazepam-labelled-ordinary-still-deny", "prescribe", {"medications": [med("n05ba01 ", control_class=None)]}, "deny", [RESTRICTED, PHARM]),
    case("unknown-code-labelled-narcotic-deny", "prescribe", {"medications": [med("X99XX99", control_class="narcotic")]}, "deny", [RESTRICTED, PHARM]),
    case("days-30-ok", "prescribe", {"medications": [med("A10BA02", 30)]}, "needs_pharmacist_review", [PHARM]),
    case("days-31-deny", "prescribe", {"medications": [med("A10BA02", 31)]}, "deny", [DAYS, PHARM]),
    case("one-item-over-limit-deny", "prescribe", {"medications": [med("C10AA05", 30), med("C08CA05", 60)]}, "deny", [DAYS, PHARM]),
    case("chronic-combo-permissible", "prescribe", {"medications": [med("C09CA03"), med("A10BB12"), med("B01AC06"), med("C10AA05")]}, "needs_pharmacist_review", [PHARM]),
    case("empty-prescription-still-reviewed", "prescribe", {"medications": []}, "needs_pharmacist_review", [PHARM]),
    # combinations: most restrictive wins
    case("emergency-beats-consent-and-first-visit", "start_consultation", {"triage.symptoms": ["419045004"], "consent.status": "missing", "visit.is_follow_up": False}, "refer_offline", [RED_EMERGENCY, FOLLOW_UP, CONSENT]),
    case("deny-beats-refer-and-consent", "prescribe", {"medications": [med("N05BA12", 90)], "consent.status": "expired", "visit.condition_changed": True}, "deny", [DAYS, RESTRICTED, CHANGED, CONSENT, PHARM]),
    case("guardian-beats-triage-and-consent", "start_consultation", {"patient.age_years": 3, "triage": DROP, "consent.status": "revoked", **PAEDIATRICIAN}, "needs_guardian", [GUARDIAN, TRIAGE, CONSENT]),
    case("triage-beats-consent", "start_consultation", {"triage.age_hours": 30, "consent.status": "expired"}, "needs_triage", [TRIAGE, CONSENT]),
    case("refer-beats-triage", "start_consultation", {"triage.age_hours": 30, "triage.vitals.spo2": 85}, "refer_offline", [SPO2, TRIAGE]),
    case("all-vitals-bad-one-reason-each", "start_consultation", {"triage.vitals": {"systolic_bp": 60, "diastolic_bp": 40, "heart_rate": 150, "temperature_c": 40.2, "spo2": 80, "respiratory_rate": 40}}, "refer_offline", [BP, HR, RR, SPO2, TEMP]),
]
