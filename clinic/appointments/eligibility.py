"""The risk-control gate of online booking: the `book_online` checkpoint, with the slot's doctor,
the complaint and, on refusal, where to go in person instead (family doctor, nearest primary
institutions with the specialty)."""
import re

from clinic.directory import services as directory
from clinic.risk import services as service
from core.auth import SYSTEM

ICD10_AT_START = re.compile(r"^\s*([A-Za-z][0-9]{2}(?:\.[0-9A-Za-z]{1,4})?)\b")


def complaint_of(complaint_code, reason):
    """The complaint's ICD-10 code: the one given, else one the reason starts with ("I10 follow-up")."""
    if complaint_code:
        return complaint_code.strip().upper()
    match = ICD10_AT_START.match(reason or "")
    return match.group(1).upper() if match else None


def check_booking(actor, patient_id, slot, body, context=None):
    """Evaluate `book_online` for `patient_id` and this slot; the decision is logged and audited."""
    doctor = slot.doctor
    institution = directory.get_institution(slot.institution_id)
    near = (institution.latitude, institution.longitude) if institution.latitude is not None else None
    return service.check(actor, "book_online", patient_id, complaint_code=body.get("complaint_code"),
                         doctor={"specialties": doctor.specialties}, context=context or f"slot:{slot.id}",
                         specialty=(doctor.specialties or [None])[0], near=near)


def ensure_eligible(actor, patient_id, slot, body):
    """Raise 422 `not_eligible` (reasons, next steps, referral) unless online booking may go on."""
    answer = check_booking(actor, patient_id, slot, body)
    service.require_allowed(answer, "booking")
    return answer


def may_book_online(patient_id, slot, complaint_code, context):
    """Whether booking would let `patient_id` book this online slot: the same `book_online` check, made by
    the system (the waitlist asks it before offering an online place; accepting books, which checks again).
    The decision is logged with `context` and audited as the system's; it refuses nothing by itself."""
    return check_booking(SYSTEM, patient_id, slot, {"complaint_code": complaint_code}, context)["allowed_online"]


def find_referral(patient_id, specialty, near):
    """Referral targets: the patient's family doctor and the nearest primary institutions (specialty first)."""
    institutions = []
    if near:
        institutions = [_institution_dict(row, km) for row, km in
                        directory.institutions_near(near[0], near[1], specialty, limit=5, kind="primary")]
        if not institutions and specialty:
            institutions = [_institution_dict(row, km) for row, km in
                            directory.institutions_near(near[0], near[1], None, limit=5, kind="primary")]
    return {"family_doctor": _jsonable(directory.family_doctor_of(patient_id)), "institutions": institutions}


def _institution_dict(row, km):
    return {"id": row.id, "name": row.name, "district": row.district, "address": row.address,
            "phone": row.phone, "distance_km": round(km, 2)}


def _jsonable(binding):
    if binding and binding.get("signed_at"):
        binding = {**binding, "signed_at": binding["signed_at"].isoformat()}
    return binding


def doctor_specialties(practitioner_id):
    """The rules' doctor facts for a practitioner, from the directory (None when unknown)."""
    doctor = directory.doctor_by_practitioner(practitioner_id)
    return {"specialties": doctor.specialties} if doctor else None


def register():
    """Give risk control its directory lookups (called from clinic.init_app)."""
    service.set_referral_finder(find_referral)
    service.set_doctor_lookup(doctor_specialties)
