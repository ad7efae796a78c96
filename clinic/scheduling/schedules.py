"""Weekly schedule templates and exceptions: create, change, remove (doctors their own, admins all)."""
from datetime import date, datetime

from sqlalchemy import select

from clinic.directory import DoctorInstitution
from clinic.directory.services import get_doctor, get_institution, own_doctor_id
from clinic.fhir_views import services as fhir_views
from clinic.scheduling import ScheduleException, ScheduleTemplate, Slot, slots
from core import clock
from core.dbutil import conditional_update
from core.errors import ApiError
from core.extensions import db

TEMPLATE_FIELDS = ("weekday", "session", "start_time", "end_time", "slot_minutes", "capacity", "kind",
                   "valid_from", "valid_until", "is_active")


def require_doctor_of(actor, doctor_id):
    """Admins may manage any doctor's schedule; a doctor only their own (403 otherwise)."""
    if actor.is_admin:
        return
    if actor.role != "doctor" or own_doctor_id(actor) != doctor_id:
        raise ApiError(403, "forbidden", "You may only manage your own schedule.")


def _invalid(field, message):
    return ApiError(422, "validation_error", "One or more fields are invalid.", title="Request validation failed",
                    errors=[{"field": field, "message": message}])


def _check_template(template):
    doctor = get_doctor(template.doctor_id)
    get_institution(template.institution_id)
    if not db.session.scalar(select(DoctorInstitution.id).where(
            DoctorInstitution.doctor_id == template.doctor_id,
            DoctorInstitution.institution_id == template.institution_id)):
        raise _invalid("institution_id", "the doctor does not practise at this institution")
    if template.end_time <= template.start_time:
        raise _invalid("end_time", "must be after start_time")
    length = (datetime.combine(date.min, template.end_time) - datetime.combine(date.min, template.start_time))
    if template.slot_minutes * 60 > length.total_seconds():
        raise _invalid("slot_minutes", "is longer than the session")
    if template.kind == "online" and not doctor.offers_online or template.kind == "in_person" and not doctor.offers_in_person:
        raise _invalid("kind", f"the doctor does not offer {template.kind} consultations")
    if template.valid_from and template.valid_until and template.valid_until < template.valid_from:
        raise _invalid("valid_until", "must not be before valid_from")


def list_templates(actor, doctor_id=None):
    """Templates an actor may manage: a doctor's own, or (admins) all / one doctor's."""
    stmt = select(ScheduleTemplate).order_by(ScheduleTemplate.doctor_id, ScheduleTemplate.weekday,
                                             ScheduleTemplate.start_time)
    if not actor.is_admin:
        doctor_id = own_doctor_id(actor)
        if doctor_id is None:
            return []
    if doctor_id:
        stmt = stmt.where(ScheduleTemplate.doctor_id == doctor_id)
    return list(db.session.scalars(stmt))


def get_template(actor, template_id):
    """A template the actor may manage (404 otherwise)."""
    template = db.session.get(ScheduleTemplate, template_id)
    if template is None or not (actor.is_admin or template.doctor_id == own_doctor_id(actor)):
        raise ApiError(404, "not_found", "No such schedule template.")
    return template


def create_template(actor, data):
    """Create a weekly template and generate its slots over the horizon."""
    require_doctor_of(actor, data["doctor_id"])
    template = ScheduleTemplate(doctor_id=data["doctor_id"], institution_id=data["institution_id"],
                                **{k: data[k] for k in TEMPLATE_FIELDS if k in data})
    template.capacity = template.capacity or 1
    template.is_active = True if template.is_active is None else template.is_active
    _check_template(template)
    db.session.add(template)
    db.session.flush()
    slots.generate_slots(template_ids=[template.id])
    return template


def update_template(actor, template_id, data):
    """Change a template; future slots already generated keep their times, new ones follow the change."""
    template = get_template(actor, template_id)
    for field in TEMPLATE_FIELDS:
        if field in data:
            setattr(template, field, data[field])
    _check_template(template)
    db.session.flush()
    if template.is_active:
        slots.generate_slots(template_ids=[template.id])
    else:
        retire_template_slots(template)
    return template


def delete_template(actor, template_id):
    """Deactivate a template: its future unbooked slots are cancelled, booked ones flagged."""
    template = get_template(actor, template_id)
    template.is_active = False
    db.session.flush()
    retire_template_slots(template)


def retire_template_slots(template):
    """Cancel the future unbooked slots of a template and flag the booked ones."""
    where = [Slot.template_id == template.id, Slot.starts_at > clock.now(), Slot.status == "open"]
    affected = list(db.session.scalars(select(Slot.id).where(*where)))
    conditional_update(Slot, [*where, Slot.booked == 0, Slot.held == 0], {"status": "cancelled"})
    conditional_update(Slot, [*where, Slot.booked + Slot.held > 0],
                       {"status": "closed", "flagged": True, "flag_reason": "schedule template removed"})
    fhir_views.sync_slots(list(db.session.scalars(select(Slot).where(Slot.id.in_(affected)))))
    slots.notify_closed_bookings(affected, "schedule template removed")


def list_exceptions(actor, doctor_id=None, institution_id=None):
    """Exceptions: a doctor sees their own leave and their institutions' holidays; admins all."""
    stmt = select(ScheduleException).order_by(ScheduleException.start_date)
    if not actor.is_admin:
        doctor_id = own_doctor_id(actor)
        if doctor_id is None:
            return []
        institutions = select(DoctorInstitution.institution_id).where(DoctorInstitution.doctor_id == doctor_id)
        return list(db.session.scalars(stmt.where((ScheduleException.doctor_id == doctor_id)
                                                  | ScheduleException.institution_id.in_(institutions))))
    if doctor_id:
        stmt = stmt.where(ScheduleException.doctor_id == doctor_id)
    if institution_id:
        stmt = stmt.where(ScheduleException.institution_id == institution_id)
    return list(db.session.scalars(stmt))


def create_exception(actor, data):
    """Record leave (a doctor) or a holiday (an institution; admins only) and apply it to the slots."""
    if bool(data.get("doctor_id")) == bool(data.get("institution_id")):
        raise _invalid("doctor_id", "give exactly one of doctor_id (leave) or institution_id (holiday)")
    if data["end_date"] < data["start_date"]:
        raise _invalid("end_date", "must not be before start_date")
    if data.get("doctor_id"):
        require_doctor_of(actor, data["doctor_id"])
        get_doctor(data["doctor_id"])
    else:
        if not actor.is_admin:
            raise ApiError(403, "forbidden", "Only administrators set institution holidays.")
        get_institution(data["institution_id"])
    exc = ScheduleException(doctor_id=data.get("doctor_id"), institution_id=data.get("institution_id"),
                            kind=data.get("kind") or ("leave" if data.get("doctor_id") else "holiday"),
                            start_date=data["start_date"], end_date=data["end_date"], reason=data.get("reason"))
    db.session.add(exc)
    db.session.flush()
    exc.cancelled_slots, exc.flagged_slots = slots.apply_exception(exc)
    return exc


def delete_exception(actor, exception_id):
    """Remove an exception and reopen the slots it had closed."""
    exc = db.session.get(ScheduleException, exception_id)
    visible = exc is not None and (actor.is_admin or (exc.doctor_id and exc.doctor_id == own_doctor_id(actor)))
    if not visible:
        raise ApiError(404, "not_found", "No such schedule exception.")
    slots.lift_exception(exc)
    db.session.delete(exc)
    db.session.flush()
    slots.generate_slots(doctor_id=exc.doctor_id) if exc.doctor_id else slots.generate_slots()
