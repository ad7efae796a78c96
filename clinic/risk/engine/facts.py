"""The facts a risk decision may read, documented, plus pure helpers to prepare them.

Facts are nested plain dicts (JSON-ready). A fact that is absent or None is
"missing"; see `conditions` for how rules treat missing facts. The caller (a later
step wires this to scheduling, triage and pharmacy) computes derived facts such as
`consent.status` and `triage.age_hours` at the moment of the check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypedDict

from clinic.risk.engine import catalogue

ConsentStatus = Literal["valid", "missing", "expired", "revoked"]
CONSENT_STATUSES: tuple[str, ...] = ("valid", "missing", "expired", "revoked")


class PatientFacts(TypedDict, total=False):
    age_years: int
    age_months: int


class ConsentFacts(TypedDict, total=False):
    status: ConsentStatus
    expires_at: str


class VisitFacts(TypedDict, total=False):
    complaint_code: str
    is_follow_up: bool
    condition_changed: bool


class VitalsFacts(TypedDict, total=False):
    systolic_bp: float
    diastolic_bp: float
    heart_rate: float
    temperature_c: float
    spo2: float
    respiratory_rate: float


class TriageFacts(TypedDict, total=False):
    present: bool
    age_hours: float
    symptoms: list[str]
    vitals: VitalsFacts


class GuardianFacts(TypedDict, total=False):
    present: bool
    registered: bool


class DoctorFacts(TypedDict, total=False):
    specialties: list[str]
    is_paediatric: bool


class MedicationFact(TypedDict, total=False):
    code: str
    system: str
    control_class: str | None
    days_supply: int


class Facts(TypedDict, total=False):
    """Everything the rules may read; every key is optional."""

    patient: PatientFacts
    consent: ConsentFacts
    visit: VisitFacts
    triage: TriageFacts
    guardian: GuardianFacts
    doctor: DoctorFacts
    medications: list[MedicationFact]


FACT_DOCS: dict[str, str] = {
    "patient.age_years": "Completed years of age (5 years 11 months is 5).",
    "patient.age_months": "Completed months of age, for infants; informational.",
    "consent.status": "Online-treatment protocol: valid | missing | expired | revoked, "
    "as of the moment of the check.",
    "consent.expires_at": "ISO 8601 UTC expiry of the signed protocol; informational, "
    "consent.status is authoritative.",
    "visit.complaint_code": "ICD-10 code of the condition this visit is about.",
    "visit.is_follow_up": "True when the patient was already diagnosed in person with "
    "visit.complaint_code (a follow-up, not a first visit).",
    "visit.condition_changed": "True when the doctor recorded a change of condition "
    "during the consultation.",
    "triage.present": "True when the patient submitted a pre-consultation triage.",
    "triage.age_hours": "Hours since the latest triage was submitted.",
    "triage.symptoms": "SNOMED CT codes of the symptoms in the latest triage.",
    "triage.vitals.systolic_bp": "Systolic blood pressure, mmHg.",
    "triage.vitals.diastolic_bp": "Diastolic blood pressure, mmHg.",
    "triage.vitals.heart_rate": "Heart rate, beats per minute.",
    "triage.vitals.temperature_c": "Body temperature, degrees Celsius.",
    "triage.vitals.spo2": "Oxygen saturation, percent.",
    "triage.vitals.respiratory_rate": "Respiratory rate, breaths per minute.",
    "guardian.present": "True when a guardian is present for the consultation.",
    "guardian.registered": "True when the patient has a registered guardian who accepted (an active registration).",
    "doctor.specialties": "Specialty codes of the doctor (e.g. 'paediatrics').",
    "doctor.is_paediatric": "True when the doctor is registered as a paediatric physician.",
    "medications": "Prescription items: list of {code, system, control_class, days_supply}.",
    "medications[].code": "Medication code, ATC by default.",
    "medications[].system": "Code system URI; http://www.whocc.no/atc when absent.",
    "medications[].control_class": "narcotic | psychotropic | toxic | radioactive | null; "
    "the catalogue's class wins when it knows the code.",
    "medications[].days_supply": "Days of treatment this item supplies.",
}


def medication_control_class(medication: Mapping[str, Any]) -> str | None:
    """Return the control class of a prescription item, preferring the catalogue's."""
    code, system = medication.get("code"), medication.get("system") or catalogue.ATC
    # The catalogue cannot be talked out of a control class by the caller's data;
    # the caller's class still counts for codes the catalogue does not know.
    known = catalogue.control_class(code, system) if isinstance(code, str) else None
    return known or medication.get("control_class")


def enrich_medications(medications: Iterable[Mapping[str, Any]]) -> list[MedicationFact]:
    """Return copies of prescription items with system and control_class filled in."""
    enriched: list[MedicationFact] = []
    for item in medications:
        copy: dict[str, Any] = dict(item)
        copy["system"] = item.get("system") or catalogue.ATC
        copy["control_class"] = medication_control_class(item)
        enriched.append(copy)  # type: ignore[arg-type]
    return enriched


def pick_facts(facts: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """Return {path: value} for the given dotted paths (None when missing), for logs."""
    picked: dict[str, Any] = {}
    for path in paths:
        node: Any = facts
        for part in path.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        picked[path] = node
    return picked
