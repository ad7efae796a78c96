"""FHIR views of the clinic's operational objects: the clinic tables are the source of truth; the FHIR
resources are derived from them and written through `records.api.update(SYSTEM, type, id, resource)`
(a PUT with a deterministic id) in the same transaction whenever the row changes, so the FHIR API
never disagrees with what was committed. Nothing ever writes these resources the other way round.

    Institution         -> Organization/org-<id>, Location/loc-<id>
    Doctor              -> Practitioner/<practitioner_id>
    DoctorInstitution   -> PractitionerRole/role-<id>, Schedule/schedule-<id>
    Slot                -> Slot/slot-<id>
    Appointment         -> Appointment/appt-<id>

`register_views` (called by clinic.init_app) declares them to records.derived by their id prefixes, so
the FHIR API refuses to write them for anyone but the system: they change through the app API only.
Appointments, Slots and Schedules from outside (other ids) are ordinary records.

Until the records domain is installed (`records.api` importable) the writes are skipped; set
CLINIC_FHIR_SYNC=False to skip them on purpose (e.g. a bulk load followed by `flask clinic fhir-sync`).
"""
from flask import current_app
from sqlalchemy import select

from clinic.directory import DoctorInstitution
from core.extensions import db

SPECIALTY_SYSTEM = "urn:cloud-hospital:specialty"
INSTITUTION_KIND_SYSTEM = "urn:cloud-hospital:institution-kind"
APPOINTMENT_STATUS = {"booked": "booked", "checked_in": "checked-in", "in_consultation": "arrived",
                      "fulfilled": "fulfilled", "cancelled": "cancelled", "noshow": "noshow",
                      # refused online by risk control, referred in person
                      "referred": "cancelled"}


def org_id(institution):
    return f"org-{institution.id}"


def loc_id(institution):
    return f"loc-{institution.id}"


def schedule_id(link_id):
    return f"schedule-{link_id}"


def _iso(instant):
    return instant.isoformat()


def organization_resource(inst):
    """Organization derived from an Institution."""
    resource = {"resourceType": "Organization", "id": org_id(inst), "active": bool(inst.is_active), "name": inst.name,
                "identifier": [{"system": "urn:cloud-hospital:institution-code", "value": inst.code}],
                "type": [{"coding": [{"system": INSTITUTION_KIND_SYSTEM, "code": inst.kind}]}]}
    if inst.phone:
        resource["telecom"] = [{"system": "phone", "value": inst.phone}]
    if inst.address or inst.district:
        resource["address"] = [{k: v for k, v in (("text", inst.address), ("district", inst.district)) if v}]
    return resource


def location_resource(inst):
    """Location (the physical site) derived from an Institution."""
    resource = {"resourceType": "Location", "id": loc_id(inst), "status": "active" if inst.is_active else "inactive",
                "name": inst.name, "managingOrganization": {"reference": f"Organization/{org_id(inst)}"},
                "extension": [{"url": "urn:cloud-hospital:timezone", "valueCode": inst.timezone}]}
    if inst.latitude is not None and inst.longitude is not None:
        resource["position"] = {"latitude": inst.latitude, "longitude": inst.longitude}
    return resource


def practitioner_resource(doctor):
    """Practitioner derived from a Doctor."""
    resource = {"resourceType": "Practitioner", "id": doctor.practitioner_id, "active": bool(doctor.is_active),
                "name": [{"text": doctor.name}]}
    if doctor.title:
        resource["qualification"] = [{"code": {"text": doctor.title}}]
    return resource


def practitioner_role_resource(doctor, link):
    """PractitionerRole: a doctor's specialties at one institution."""
    return {"resourceType": "PractitionerRole", "id": f"role-{link.id}", "active": bool(doctor.is_active),
            "practitioner": {"reference": f"Practitioner/{doctor.practitioner_id}"},
            "organization": {"reference": f"Organization/org-{link.institution_id}"},
            "location": [{"reference": f"Location/loc-{link.institution_id}"}],
            "specialty": [{"coding": [{"system": SPECIALTY_SYSTEM, "code": code}]} for code in doctor.specialties]}


def schedule_resource(doctor, link):
    """Schedule: the doctor's bookable time at one institution (its Slots point here)."""
    return {"resourceType": "Schedule", "id": schedule_id(link.id), "active": bool(doctor.is_active),
            "actor": [{"reference": f"Practitioner/{doctor.practitioner_id}"},
                      {"reference": f"Location/loc-{link.institution_id}"}]}


def slot_resource(slot, link_id):
    """Slot derived from a Slot row (busy when full or held, busy-unavailable when closed)."""
    if slot.status != "open":
        status = "busy-unavailable"
    else:
        status = "free" if slot.booked + slot.held < slot.capacity else "busy"
    return {"resourceType": "Slot", "id": f"slot-{slot.id}", "schedule": {"reference": f"Schedule/{schedule_id(link_id)}"},
            "status": status, "start": _iso(slot.starts_at), "end": _iso(slot.ends_at),
            "serviceType": [{"coding": [{"system": "urn:cloud-hospital:consult-kind", "code": slot.kind}]}],
            "comment": f"{slot.booked}/{slot.capacity} booked"}


def appointment_resource(appt, practitioner_id):
    """Appointment derived from an Appointment row."""
    resource = {"resourceType": "Appointment", "id": f"appt-{appt.id}", "status": APPOINTMENT_STATUS[appt.status],
                "start": _iso(appt.starts_at), "end": _iso(appt.ends_at), "created": _iso(appt.booked_at),
                "slot": [{"reference": f"Slot/slot-{appt.slot_id}"}],
                "serviceType": [{"coding": [{"system": "urn:cloud-hospital:consult-kind", "code": appt.kind}]}],
                "participant": [
                    {"actor": {"reference": f"Patient/{appt.patient_id}"}, "status": "accepted"},
                    {"actor": {"reference": f"Practitioner/{practitioner_id}"}, "status": "accepted"},
                    {"actor": {"reference": f"Location/loc-{appt.institution_id}"}, "status": "accepted"}]}
    if appt.reason:
        resource["description"] = appt.reason[:500]
    return resource


def _writer():
    if not current_app.config.get("CLINIC_FHIR_SYNC", True):
        return None
    try:
        from records import api as records_api
    except ImportError:  # the records domain is not installed yet
        return None
    return records_api


def _put(resource):
    records_api = _writer()
    if records_api is None:
        return
    from core.auth import SYSTEM

    records_api.update(SYSTEM, resource["resourceType"], resource["id"], resource, skip_unchanged=True)


def enabled():
    """True when FHIR views are being written."""
    return _writer() is not None


def _link_id(doctor_id, institution_id):
    return db.session.scalar(select(DoctorInstitution.id).where(DoctorInstitution.doctor_id == doctor_id,
                                                                DoctorInstitution.institution_id == institution_id))


def sync_institution(inst):
    """Write the Organization and Location of an institution."""
    if enabled():
        _put(organization_resource(inst))
        _put(location_resource(inst))


def sync_doctor(doctor):
    """Write the Practitioner and, per institution, the PractitionerRole and Schedule of a doctor."""
    if not enabled():
        return
    _put(practitioner_resource(doctor))
    for link in doctor.institution_rows:
        _put(practitioner_role_resource(doctor, link))
        _put(schedule_resource(doctor, link))


def sync_slots(slots):
    """Write the Slot resources of changed slots."""
    if not enabled():
        return
    links = {}
    for slot in slots:
        key = (slot.doctor_id, slot.institution_id)
        if key not in links:
            links[key] = _link_id(*key)
        if links[key]:
            _put(slot_resource(slot, links[key]))


def write_views(resources):
    """Write several views in one records call (a few round trips; clinic.fhir_views.outbox's drains)."""
    records_api = _writer()
    if records_api is None:
        return
    from core.auth import SYSTEM

    records_api.update_many(SYSTEM, sorted(resources, key=lambda r: (r["resourceType"], r["id"])),
                            skip_unchanged=True)


def sync_appointment(appt):
    """Write the Appointment resource of a changed appointment."""
    if not enabled():
        return
    from clinic.directory import Doctor

    _put(appointment_resource(appt, db.session.get(Doctor, appt.doctor_id).practitioner_id))


# The bulk path: many views at once through records.api.upsert_many (one validation each, one batch
# write per table, one audit entry per batch) for slot generation, seeds and rebuilds; ~10x cheaper per
# resource than the per-row `_put` above.
BULK_BATCH = 1000


def _put_many(resources):
    records_api = _writer()
    if records_api is None:
        return
    from core.auth import SYSTEM

    for start in range(0, len(resources), BULK_BATCH):
        records_api.upsert_many(SYSTEM, resources[start:start + BULK_BATCH])


def sync_directory(institutions=(), doctors=()):
    """Bulk: the Organization/Location of many institutions, the Practitioner/PractitionerRole/Schedule of many doctors."""
    resources = [make(inst) for inst in institutions for make in (organization_resource, location_resource)]
    for doctor in doctors:
        resources.append(practitioner_resource(doctor))
        for link in doctor.institution_rows:
            resources += [practitioner_role_resource(doctor, link), schedule_resource(doctor, link)]
    _put_many(resources)


def sync_slots_bulk(slots):
    """Bulk: the Slot resources of many slots (slot generation, rebuilds)."""
    if not enabled() or not slots:
        return
    doctor_ids = sorted({slot.doctor_id for slot in slots})
    links = {}
    for start in range(0, len(doctor_ids), 500):
        links.update(((d, i), link) for link, d, i in db.session.execute(select(
            DoctorInstitution.id, DoctorInstitution.doctor_id, DoctorInstitution.institution_id).where(
            DoctorInstitution.doctor_id.in_(doctor_ids[start:start + 500]))))
    _put_many([slot_resource(slot, links[key]) for slot in slots
               if (key := (slot.doctor_id, slot.institution_id)) in links])


# How each view changes: the app-API path named in the FHIR API's refusal (records.derived).
INSTITUTIONS_PATH = "POST /api/v1/institutions, PATCH /api/v1/institutions/{institution_id}"
DOCTORS_PATH = "POST /api/v1/doctors, PATCH /api/v1/doctors/{doctor_id}"
SCHEDULES_PATH = "/api/v1/schedules/templates and /api/v1/schedules/exceptions"
APPOINTMENTS_PATH = ("POST /api/v1/appointments, POST /api/v1/appointments/{appointment_id}/cancel "
                     "(or /reschedule, /check-in)")


def _is_doctor(resource_id, resource):
    """A Practitioner is derived when a Doctor row links to it (its ids are chosen by the admin)."""
    from clinic.directory import Doctor

    return bool(resource_id) and db.session.scalar(
        select(Doctor.id).where(Doctor.practitioner_id == str(resource_id)).limit(1)) is not None


def register_views():
    """Declare the FHIR views written here to records.derived (idempotent): the ids written above (their
    prefixes are reserved: nobody else may take one), or a Practitioner a Doctor links to. Resources of
    the same types from outside (another hospital's Appointment, a partner's Slot) are ordinary records."""
    try:
        from records import api as records_api
    except ImportError:  # the records domain is not installed yet
        return
    register, id_prefix = records_api.register_view, records_api.id_prefix
    register("Organization", maintainer="clinic", path=INSTITUTIONS_PATH, match=id_prefix("org-"))
    register("Location", maintainer="clinic", path=INSTITUTIONS_PATH, match=id_prefix("loc-"))
    register("Practitioner", maintainer="clinic", path=DOCTORS_PATH, match=_is_doctor)
    register("PractitionerRole", maintainer="clinic", path=DOCTORS_PATH, match=id_prefix("role-"))
    register("Schedule", maintainer="clinic", path=SCHEDULES_PATH, match=id_prefix("schedule-"))
    register("Slot", maintainer="clinic", path=SCHEDULES_PATH + " (booking changes its status)",
             match=id_prefix("slot-"))
    register("Appointment", maintainer="clinic", path=APPOINTMENTS_PATH, match=id_prefix("appt-"))
    # Every Appointment view is derived from an appointment row, and clinic.appointments.access grants the care
    # relationship from those rows (at least as widely): records.care need not read the views, which lag the
    # commit. Appointments from outside grant none either: another system's booking is history, not care here.
    records_api.answered_by_source("Appointment")
