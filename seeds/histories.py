"""Demo health histories written as FHIR: two patients diagnosed in person (hypertension, type 2
diabetes) who may therefore be followed up online, with a signed protocol and a family doctor; the
third has no history and is referred in person when they try to book online (to the family-doctor
team they are signed with, among others). Idempotent: fixed resource ids, created only when missing."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from clinic.directory import Doctor, DoctorInstitution, Institution
from clinic.directory import services as directory
from clinic.fhir_views.services import org_id
from clinic.risk import services as risk
from core.auth import SYSTEM, actor_for
from core.extensions import db
from core.models import User
from records import api as records
from records.errors import FhirError
from seeds import ningbo

ICD10 = "http://hl7.org/fhir/sid/icd-10"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
# The measurements behind each diagnosis, recorded at the diagnosing visit: LOINC code, display, value, UCUM unit.
READINGS = {"I10": [("8480-6", "Systolic blood pressure", 158, "mm[Hg]"),
                    ("8462-4", "Diastolic blood pressure", 96, "mm[Hg]")],
            "E11.9": [("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 7.8, "%"),
                      ("1558-6", "Fasting glucose [Moles/volume] in Serum or Plasma", 8.2, "mmol/L")]}
# phone, institution code, practitioner, ICD-10 code, display, years ago
HISTORIES = [
    ("13800000001", "NB-HS-BAIYUN", "demo-practitioner-1", "I10", "Essential (primary) hypertension", 3),
    ("13800000002", "NB-YZ-SECOND", "demo-practitioner-2", "E11.9", "Type 2 diabetes mellitus without complications", 2),
]
# phone, the primary institution whose family-doctor team they signed with, the doctor (None: the
# institution's first family doctor by practitioner id)
FAMILY_DOCTORS = [("13800000001", "NB-HS-BAIYUN", "demo-practitioner-1"), ("13800000002", "NB-YZ-ZHONGHE", None),
                  ("13800000003", "NB-HS-GULOU", None)]


def _missing(resource_type, resource_id):
    try:
        records.read(SYSTEM, resource_type, resource_id)
        return False
    except FhirError:
        return True


def _put(resource):
    if _missing(resource["resourceType"], resource["id"]):
        records.update(SYSTEM, resource["resourceType"], resource["id"], resource)
        return 1
    return 0


def _history(patient_id, institution, practitioner_id, code, display, years_ago):
    when = datetime(2026 - years_ago, 3, 15, 2, 30, tzinfo=timezone.utc)
    encounter_id = f"demo-enc-{patient_id[:12]}"
    encounter = {
        "resourceType": "Encounter", "id": encounter_id, "status": "finished",
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "subject": {"reference": f"Patient/{patient_id}"},
        "participant": [{"individual": {"reference": f"Practitioner/{practitioner_id}"}}],
        "period": {"start": when.isoformat(), "end": (when + timedelta(minutes=20)).isoformat()},
        "serviceProvider": {"reference": f"Organization/{org_id(institution)}", "display": institution.name}}
    condition = {
        "resourceType": "Condition", "id": f"demo-cond-{patient_id[:12]}",
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": "active"}]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
        "code": {"coding": [{"system": ICD10, "code": code, "display": display}], "text": display},
        "subject": {"reference": f"Patient/{patient_id}"}, "encounter": {"reference": f"Encounter/{encounter_id}"},
        "recorder": {"reference": f"Practitioner/{practitioner_id}"}, "onsetDateTime": when.isoformat()}
    readings = [{
        "resourceType": "Observation", "id": f"demo-obs-{patient_id[:12]}-{n}", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc, "display": text}], "text": text},
        "subject": {"reference": f"Patient/{patient_id}"}, "encounter": {"reference": f"Encounter/{encounter_id}"},
        "effectiveDateTime": when.isoformat(),
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}}
        for n, (loinc, text, value, unit) in enumerate(READINGS.get(code, []))]
    return _put(encounter) + _put(condition) + sum(_put(reading) for reading in readings)


def load_histories():
    """Write the demo histories, protocols and family-doctor bindings that are missing; return the count."""
    created = 0
    for phone, institution_code, practitioner_id, code, display, years_ago in HISTORIES:
        user = db.session.scalar(select(User).where(User.username == phone))
        institution = db.session.scalar(select(Institution).where(Institution.code == institution_code))
        if user is None or institution is None:
            continue
        created += _history(user.patient_id, institution, practitioner_id, code, display, years_ago)
        if risk.consent_status(user.patient_id)[0] != "valid":
            risk.sign_consent(actor_for(user), risk.ensure_protocol().version, practitioner_id)
            created += 1
    return created + _bind_family_doctors()


def _bind_family_doctors():
    created = 0
    for phone, institution_code, practitioner_id in FAMILY_DOCTORS:
        user = db.session.scalar(select(User).where(User.username == phone))
        institution = db.session.scalar(select(Institution).where(Institution.code == institution_code))
        if user is None or institution is None or directory.family_doctor_of(user.patient_id) is not None:
            continue
        doctor = db.session.scalar(select(Doctor).join(DoctorInstitution, DoctorInstitution.doctor_id == Doctor.id).where(
            DoctorInstitution.institution_id == institution.id, Doctor.is_family_doctor.is_(True),
            *([Doctor.practitioner_id == practitioner_id] if practitioner_id else [])).order_by(Doctor.practitioner_id))
        if doctor is not None:
            directory.bind_family_doctor(user.patient_id, doctor.id, ningbo.family_team(institution.name))
            created += 1
    return created
