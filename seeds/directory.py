"""Load a directory (institutions, doctors, weekly templates) from plain lists, idempotently: rows are
found by their natural keys (institution code, practitioner id, template session) before anything is
created, so a second run creates nothing. The scale seeds pass longer lists to the same functions."""
from datetime import time

from sqlalchemy import select

from clinic import directory, slots
from clinic.models import Doctor, Institution, ScheduleTemplate
from core.extensions import db


def load_institutions(rows):
    """Create missing institutions (dicts with code, name, kind, ...); return ({code: id}, created)."""
    ids, created = {}, 0
    for row in rows:
        found = db.session.scalar(select(Institution).where(Institution.code == row["code"]))
        if found is None:
            found = directory.save_institution(row)
            created += 1
        ids[row["code"]] = found.id
    return ids, created


def load_doctors(rows, institution_ids):
    """Create missing doctors (dicts with practitioner_id, ..., `institutions`: codes); return ({pid: id}, created)."""
    ids, created = {}, 0
    for row in rows:
        found = db.session.scalar(select(Doctor).where(Doctor.practitioner_id == row["practitioner_id"]))
        if found is None:
            data = {k: v for k, v in row.items() if k != "institutions"}
            data["institution_ids"] = [institution_ids[code] for code in row.get("institutions", ())]
            found = directory.save_doctor(data)
            created += 1
        ids[row["practitioner_id"]] = found.id
    return ids, created


def load_templates(rows, doctor_ids, institution_ids):
    """Create missing weekly templates: (practitioner id, institution code, weekday, session, "HH:MM",
    "HH:MM", slot minutes, capacity, kind); return how many were created."""
    created = 0
    for pid, code, weekday, session, start, end, minutes, capacity, kind in rows:
        key = dict(doctor_id=doctor_ids[pid], institution_id=institution_ids[code], weekday=weekday,
                   start_time=time.fromisoformat(start), kind=kind)
        if db.session.scalar(select(ScheduleTemplate.id).filter_by(**key)):
            continue
        db.session.add(ScheduleTemplate(**key, session=session, end_time=time.fromisoformat(end),
                                        slot_minutes=minutes, capacity=capacity, is_active=True))
        created += 1
    db.session.flush()
    return created


def load_directory(institutions, doctors, templates, horizon_days=None):
    """Load the lists and generate slots over the horizon; return how many records were created."""
    institution_ids, new_institutions = load_institutions(institutions)
    doctor_ids, new_doctors = load_doctors(doctors, institution_ids)
    new_templates = load_templates(templates, doctor_ids, institution_ids)
    new_slots = slots.generate_slots(horizon_days=horizon_days)
    return new_institutions + new_doctors + new_templates + len(new_slots)
