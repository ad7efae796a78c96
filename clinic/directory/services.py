"""The directory service: institutions, doctors, family-doctor bindings, and the look-ups other
features (risk control's referrals) use: `nearest_institutions`, `family_doctor_of`, `doctor_for_actor`."""
import math

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from clinic.directory import Doctor, DoctorInstitution, DoctorSpecialty, FamilyDoctorBinding, Institution
from clinic.directory.schemas import DoctorBriefSchema, InstitutionBriefSchema  # noqa: F401  (shared with appointments)
from clinic.fhir_views import services as fhir_views
from core import auth, clock
from core.audit import record_access
from core.dbutil import conditional_update, insert_ignore
from core.errors import ApiError
from core.extensions import db
from core.types import new_id

EARTH_RADIUS_KM = 6371.0


def distance_km(lat1, lon1, lat2, lon2):
    """Great-circle (haversine) distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def get_institution(institution_id):
    """The institution or 404."""
    row = db.session.get(Institution, institution_id)
    if row is None:
        raise ApiError(404, "not_found", "No such institution.")
    return row


def get_doctor(doctor_id):
    """The doctor or 404."""
    row = db.session.get(Doctor, doctor_id)
    if row is None:
        raise ApiError(404, "not_found", "No such doctor.")
    return row


def doctor_by_practitioner(practitioner_id):
    """The Doctor carrying this FHIR Practitioner id, or None."""
    return db.session.scalar(select(Doctor).where(Doctor.practitioner_id == practitioner_id))


def doctor_for_actor(actor):
    """The Doctor a doctor account is linked to (None for other roles or an unlinked account)."""
    if actor is None or actor.role != "doctor" or not actor.practitioner_id:
        return None
    return doctor_by_practitioner(actor.practitioner_id)


def own_doctor_id(actor):
    """The doctor id of a doctor actor, or None."""
    doctor = doctor_for_actor(actor)
    return doctor.id if doctor else None


def patient_rows_for(actor, stmt, model, patient_id, entity, noun):
    """`stmt` over a table of patients' rows (`model` with patient_id, doctor_id, created_at, id) narrowed to what
    the caller may list: a patient their own; a doctor their own rows, or one patient's when that patient is in
    their care (else 403, audited as `entity`); an admin anything. Newest first."""
    if actor.role == "patient":
        stmt = stmt.where(model.patient_id == actor.patient_id)
    elif actor.role == "doctor" and not patient_id:
        stmt = stmt.where(model.doctor_id == own_doctor_id(actor))
    elif actor.role == "doctor" and not auth.has_relationship(actor, "cares_for_patient", patient_id):
        record_access(actor, "search", entity, f"Patient/{patient_id}", outcome="denied",
                      detail={"reason": "no care relationship with the patient"})
        raise ApiError(403, "forbidden", f"You may list the {noun} only of a patient in your care.")
    if patient_id:
        stmt = stmt.where(model.patient_id == patient_id)
    return stmt.order_by(model.created_at.desc(), model.id)


def _specialty_filter(stmt, specialty):
    has = exists().where(DoctorInstitution.institution_id == Institution.id,
                         DoctorSpecialty.doctor_id == DoctorInstitution.doctor_id,
                         DoctorSpecialty.specialty == specialty)
    return stmt.where(has)


def _with_status(stmt, model, status):
    """Keep the active rows (the default), the deactivated ones, or any."""
    return stmt if status == "any" else stmt.where(model.is_active.is_(status == "active"))


def list_institutions(specialty=None, district=None, kind=None, status="active"):
    """Institutions (active by default), optionally those with a doctor of `specialty`."""
    stmt = _with_status(select(Institution), Institution, status).order_by(Institution.name, Institution.id)
    if specialty:
        stmt = _specialty_filter(stmt, specialty)
    if district:
        stmt = stmt.where(Institution.district == district)
    if kind:
        stmt = stmt.where(Institution.kind == kind)
    return list(db.session.scalars(stmt))


def institutions_near(lat, lon, specialty=None, limit=None, district=None, kind=None):
    """Institutions with coordinates, nearest first, as (institution, distance_km) pairs."""
    ranked = sorted(((row, distance_km(lat, lon, row.latitude, row.longitude))
                     for row in list_institutions(specialty, district, kind)
                     if row.latitude is not None and row.longitude is not None), key=lambda pair: pair[1])
    return ranked[:limit] if limit else ranked


def nearest_institutions(lat, lon, specialty=None, limit=5):
    """The `limit` nearest active institutions (with a `specialty` doctor) as plain dicts, nearest first."""
    return [{"id": row.id, "name": row.name, "kind": row.kind, "district": row.district, "address": row.address,
             "phone": row.phone, "distance_km": round(km, 2), "reference": f"Organization/{fhir_views.org_id(row)}"}
            for row, km in institutions_near(lat, lon, specialty, limit)]


def family_doctor_of(patient_id):
    """The family doctor a patient has signed with, as a plain dict, or None."""
    row = db.session.execute(
        select(FamilyDoctorBinding, Doctor).join(Doctor, Doctor.id == FamilyDoctorBinding.doctor_id)
        .where(FamilyDoctorBinding.patient_id == patient_id)).first()
    if row is None:
        return None
    binding, doctor = row
    return {"doctor_id": doctor.id, "practitioner_id": doctor.practitioner_id, "name": doctor.name,
            "title": doctor.title, "team": binding.team, "institution_ids": doctor.institution_ids,
            "signed_at": binding.signed_at, "reference": f"Practitioner/{doctor.practitioner_id}"}


def list_doctors(specialty=None, institution_id=None, online=None, family_doctor=None, status="active"):
    """Doctors (active by default) filtered by specialty, institution, online availability and family-doctor
    status."""
    stmt = _with_status(select(Doctor), Doctor, status).order_by(Doctor.name, Doctor.id).options(
        selectinload(Doctor.specialty_rows), selectinload(Doctor.institution_rows))
    if specialty:
        stmt = stmt.where(exists().where(DoctorSpecialty.doctor_id == Doctor.id,
                                         DoctorSpecialty.specialty == specialty))
    if institution_id:
        stmt = stmt.where(exists().where(DoctorInstitution.doctor_id == Doctor.id,
                                         DoctorInstitution.institution_id == institution_id))
    if online is not None:
        stmt = stmt.where(Doctor.offers_online.is_(online))
    if family_doctor is not None:
        stmt = stmt.where(Doctor.is_family_doctor.is_(family_doctor))
    return list(db.session.scalars(stmt))


INSTITUTION_FIELDS = ("code", "name", "kind", "district", "address", "latitude", "longitude", "timezone", "phone",
                      "is_active")
DOCTOR_FIELDS = ("practitioner_id", "name", "title", "consult_fee_fen", "offers_online", "offers_in_person",
                 "is_family_doctor", "is_active")


def _unique_or_conflict(model, column, value, own_id=None):
    clash = db.session.scalar(select(model.id).where(column == value))
    if clash and clash != own_id:
        raise ApiError(409, "already_exists", f"{column.key} {value!r} is already in use.")


def save_institution(data, institution=None):
    """Create an institution, or update `institution` with `data`; sync its FHIR Organization/Location."""
    if "code" in data:
        _unique_or_conflict(Institution, Institution.code, data["code"], institution.id if institution else None)
    institution = institution or Institution()
    for field in INSTITUTION_FIELDS:
        if field in data:
            setattr(institution, field, data[field])
    db.session.add(institution)
    db.session.flush()
    fhir_views.sync_institution(institution)
    return institution


def save_doctor(data, doctor=None):
    """Create a doctor, or update `doctor`; `specialties` and `institution_ids` replace the lists."""
    if "practitioner_id" in data:
        _unique_or_conflict(Doctor, Doctor.practitioner_id, data["practitioner_id"], doctor.id if doctor else None)
    doctor = doctor or Doctor()
    for field in DOCTOR_FIELDS:
        if field in data:
            setattr(doctor, field, data[field])
    if "specialties" in data:
        doctor.specialty_rows = [DoctorSpecialty(specialty=code) for code in sorted(set(data["specialties"]))]
    if "institution_ids" in data:
        wanted = sorted(set(data["institution_ids"]))
        for institution_id in wanted:
            get_institution(institution_id)
        keep = {row.institution_id: row for row in doctor.institution_rows}
        doctor.institution_rows = [keep.get(i) or DoctorInstitution(institution_id=i) for i in wanted]
    db.session.add(doctor)
    db.session.flush()
    fhir_views.sync_doctor(doctor)
    return doctor


def bind_family_doctor(patient_id, doctor_id, team=None):
    """Sign `patient_id` with a family doctor (replacing an earlier binding); 422 if not a family doctor.

    An upsert on the unique patient_id (insert or skip, then update under the row lock), so two
    concurrent first signings cannot collide on the unique index: the later one replaces the earlier."""
    doctor = get_doctor(doctor_id)
    if not doctor.is_family_doctor:
        raise ApiError(422, "not_a_family_doctor", "That doctor does not take family-doctor contracts.")
    now = clock.now()
    insert_ignore(FamilyDoctorBinding, [{"id": new_id(), "patient_id": patient_id, "doctor_id": doctor.id,
                                         "team": team, "signed_at": now}], ["patient_id"])
    conditional_update(FamilyDoctorBinding, [FamilyDoctorBinding.patient_id == patient_id],
                       {"doctor_id": doctor.id, "team": team, "signed_at": now})
    return db.session.scalar(select(FamilyDoctorBinding).where(FamilyDoctorBinding.patient_id == patient_id)
                             .execution_options(populate_existing=True))
