"""records.api.update_many: several resources written as `update` would write them one by one."""
import pytest
from sqlalchemy import func, select

from core.auth import SYSTEM
from core.extensions import db
from core.models import AuditEntry
from records import api, store
from records.errors import FhirError
from records.models import ResourceVersion


def _slot(slot_id, status, comment="0/1 booked"):
    return {"resourceType": "Slot", "id": slot_id, "schedule": {"reference": "Schedule/schedule-1"},
            "status": status, "start": "2030-01-02T01:00:00+00:00", "end": "2030-01-02T01:15:00+00:00",
            "comment": comment}


def _appointment(appt_id, patient_id, status="booked"):
    return {"resourceType": "Appointment", "id": appt_id, "status": status,
            "start": "2030-01-02T01:00:00+00:00", "end": "2030-01-02T01:15:00+00:00",
            "participant": [{"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"}]}


def _versions(resource_type, resource_id):
    return db.session.scalar(select(func.count()).select_from(ResourceVersion).where(
        ResourceVersion.resource_type == resource_type, ResourceVersion.id == resource_id))


def _ids(resource_type, params):
    return sorted(r["id"] for r in store.search(resource_type, params).resources)


def test_update_many_creates_updates_and_reindexes(ctx):
    api.update(SYSTEM, "Slot", "um-slot", _slot("um-slot", "free"))
    results = api.update_many(SYSTEM, [_slot("um-slot", "busy", "1/1 booked"), _appointment("um-appt", "um-pat")])
    assert [(r["meta"]["versionId"], created) for r, created in results] == [("2", False), ("1", True)]
    assert store.read_resource("Slot", "um-slot")["status"] == "busy"
    assert store.read_resource("Appointment", "um-appt")["participant"][0]["actor"]["reference"] == "Patient/um-pat"
    assert (_versions("Slot", "um-slot"), _versions("Appointment", "um-appt")) == (2, 1)
    # The index rows were replaced: the old status no longer matches, the new one does.
    assert _ids("Slot", [("status", "free"), ("_id", "um-slot")]) == []
    assert _ids("Slot", [("status", "busy"), ("_id", "um-slot")]) == ["um-slot"]
    assert _ids("Appointment", [("patient", "Patient/um-pat")]) == ["um-appt"]
    entries = db.session.execute(select(AuditEntry.action, AuditEntry.entity, AuditEntry.patient_ref).where(
        AuditEntry.entity.in_(["Slot/um-slot", "Appointment/um-appt"])).order_by(AuditEntry.id)).all()
    assert [tuple(e) for e in entries] == [("create", "Slot/um-slot", None), ("update", "Slot/um-slot", None),
                                           ("create", "Appointment/um-appt", "Patient/um-pat")]


def test_update_many_skips_unchanged_content(ctx):
    api.update_many(SYSTEM, [_slot("um-same", "free")])
    (stored, created), = api.update_many(SYSTEM, [_slot("um-same", "free")], skip_unchanged=True)
    assert (stored["meta"]["versionId"], created, _versions("Slot", "um-same")) == ("1", False, 1)
    api.update_many(SYSTEM, [_slot("um-same", "free")])
    assert _versions("Slot", "um-same") == 2


def test_update_many_is_all_or_nothing_on_invalid_content(ctx):
    with pytest.raises(FhirError) as error:
        api.update_many(SYSTEM, [_slot("um-ok", "free"), {**_slot("um-bad", "free"), "start": "not a date"}])
    assert error.value.status == 400
    with pytest.raises(FhirError):
        store.read_resource("Slot", "um-ok")


def test_update_many_refuses_the_same_resource_twice(ctx):
    with pytest.raises(FhirError) as error:
        api.update_many(SYSTEM, [_slot("um-twice", "free"), _slot("um-twice", "busy")])
    assert error.value.status == 409
