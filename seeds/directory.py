"""Load a directory (institutions, doctors, weekly templates) from plain lists, idempotently: rows are
found by their natural keys (institution code, practitioner id, template session) in one query per
list, only the missing ones are inserted, and their FHIR views are written through the bulk path
(`clinic.fhir_views.sync.sync_directory`), so a second run creates nothing and a first run of hundreds of
rows takes a fraction of a second. The city seed passes longer lists to the same functions."""
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic.directory import Doctor, DoctorInstitution, DoctorSpecialty, Institution
from clinic.fhir_views import services as fhir_views
from clinic.scheduling import ScheduleTemplate
from clinic.scheduling import services as scheduling
from core.extensions import db

INSTITUTION_FIELDS = ("code", "name", "kind", "district", "address", "latitude", "longitude", "timezone", "phone")
DOCTOR_FIELDS = ("practitioner_id", "name", "title", "consult_fee_fen", "offers_online", "offers_in_person",
                 "is_family_doctor")


def _in_chunks(column, values, *columns):
    """Rows of (column, *columns) whose column is in `values` (bounded IN lists)."""
    values = list(values)
    for start in range(0, len(values), 500):
        yield from db.session.execute(select(column, *columns).where(column.in_(values[start:start + 500])))


def load_institutions(rows):
    """Create missing institutions (dicts with code, name, kind, ...); return ({code: id}, created)."""
    ids = dict(_in_chunks(Institution.code, [row["code"] for row in rows], Institution.id))
    new = [Institution(**{k: row[k] for k in INSTITUTION_FIELDS if k in row}, is_active=True)
           for row in rows if row["code"] not in ids]
    db.session.add_all(new)
    db.session.flush()
    fhir_views.sync_directory(institutions=new)
    ids.update((inst.code, inst.id) for inst in new)
    return ids, len(new)


def load_doctors(rows, institution_ids):
    """Create missing doctors (dicts with practitioner_id, ..., `institutions`: codes); return ({pid: id}, created)."""
    ids = dict(_in_chunks(Doctor.practitioner_id, [row["practitioner_id"] for row in rows], Doctor.id))
    new = []
    for row in rows:
        if row["practitioner_id"] in ids:
            continue
        doctor = Doctor(**{k: row[k] for k in DOCTOR_FIELDS if k in row}, is_active=True)
        doctor.specialty_rows = [DoctorSpecialty(specialty=code) for code in sorted(set(row.get("specialties", ())))]
        doctor.institution_rows = [DoctorInstitution(institution_id=i) for i in
                                   sorted({institution_ids[code] for code in row.get("institutions", ())})]
        new.append(doctor)
    db.session.add_all(new)
    db.session.flush()
    if new:  # one query for the links' ids, not one per doctor
        new = list(db.session.scalars(select(Doctor).where(Doctor.id.in_([d.id for d in new]))
                                      .options(selectinload(Doctor.institution_rows), selectinload(Doctor.specialty_rows))))
    fhir_views.sync_directory(doctors=new)
    ids.update((doctor.practitioner_id, doctor.id) for doctor in new)
    return ids, len(new)


def load_templates(rows, doctor_ids, institution_ids):
    """Create missing weekly templates: (practitioner id, institution code, weekday, session, "HH:MM",
    "HH:MM", slot minutes, capacity, kind); return how many were created."""
    key_columns = (ScheduleTemplate.doctor_id, ScheduleTemplate.institution_id, ScheduleTemplate.weekday,
                   ScheduleTemplate.start_time, ScheduleTemplate.kind)
    have = {tuple(row) for row in _in_chunks(*key_columns[:1], set(doctor_ids.values()), *key_columns[1:])}
    new = []
    for pid, code, weekday, session, start, end, minutes, capacity, kind in rows:
        key = (doctor_ids[pid], institution_ids[code], weekday, time.fromisoformat(start), kind)
        if key in have:
            continue
        have.add(key)
        new.append(ScheduleTemplate(**dict(zip(("doctor_id", "institution_id", "weekday", "start_time", "kind"), key)),
                                    session=session, end_time=time.fromisoformat(end), slot_minutes=minutes,
                                    capacity=capacity, is_active=True))
    db.session.add_all(new)
    db.session.flush()
    return len(new)


def load_directory(institutions, doctors, templates, horizon_days=None):
    """Load the lists and generate slots over the horizon; return how many records were created."""
    institution_ids, new_institutions = load_institutions(institutions)
    doctor_ids, new_doctors = load_doctors(doctors, institution_ids)
    new_templates = load_templates(templates, doctor_ids, institution_ids)
    new_slots = scheduling.generate_slots(horizon_days=horizon_days)
    return new_institutions + new_doctors + new_templates + len(new_slots)
