"""The hard delete of a patient's record, for retention (records.api.purge_patient; compliance decides when).

What a patient's record is: the Patient itself and every resource in their compartment, now or when it was
deleted (records.models.CompartmentDeparture), with every version, index row and compartment row. A resource
also in another patient's compartment is part of that record too: it stays, only this patient's membership
goes, and it is purged with the last patient it belongs to. The purge is one transaction (all or nothing),
holding the patient's compartment lock (records.compartment_locks), written in bounded batches.

When a record was last active: the latest of any write to a resource in the compartment (`last_updated`: a
late result or a correction restarts the period) and the end of any Encounter in it (an Encounter with no end
is ongoing, so its record is never dormant); deleted resources count with their deletion."""
import json
from collections import Counter

from sqlalchemy import delete, func, select, union, union_all

from core.extensions import db
from records import compartment_locks, deletion_guards
from records.errors import FhirError
from records.models import (INDEX_MODELS, CompartmentDeparture, CompartmentMember, DateIndex, Resource,
                            ResourceVersion)
from records.search.values import MIN_DATETIME

BATCH = 500
_INDEX_TABLES = sorted({model.__table__ for model in INDEX_MODELS.values()}, key=lambda table: table.name)


def _membership():
    """(patient_id, resource_pk) of every resource in a compartment, or in it when it was deleted."""
    return union_all(select(CompartmentMember.patient_id, CompartmentMember.resource_pk),
                     select(CompartmentDeparture.patient_id, CompartmentDeparture.resource_pk)).subquery()


def _activity(member, where=()):
    """SELECT patient_id, last write, last Encounter end: grouped over `member` (filtered by `where`)."""
    encounter_end = (select(func.max(DateIndex.high)).where(DateIndex.resource_pk == member.c.resource_pk,
                                                           DateIndex.resource_type == "Encounter",
                                                           DateIndex.param == "date").scalar_subquery())
    return (select(member.c.patient_id, func.max(Resource.last_updated).label("written"),
                   func.max(func.coalesce(encounter_end, MIN_DATETIME)).label("visited"))
            .join(Resource, Resource.pk == member.c.resource_pk).where(*where).group_by(member.c.patient_id))


def dormant_patients(inactive_before, after="", limit=BATCH):
    """Ids of patients (ordered, after `after`) whose record has had no activity since `inactive_before`."""
    member = _membership()
    stmt = _activity(member, [member.c.patient_id > after]).having(
        func.max(Resource.last_updated) < inactive_before).order_by(member.c.patient_id)
    found = []
    for patient_id, _, visited in db.session.execute(stmt):  # the Encounter end compared in Python: no
        if visited < inactive_before:  # portable GREATEST() across SQLite and PostgreSQL
            found.append(patient_id)
            if len(found) == limit:
                break
    return found


def last_activity(patient_id):
    """When the patient's record was last active (None: nothing in their compartment)."""
    member = _membership()
    row = db.session.execute(_activity(member, [member.c.patient_id == patient_id])).first()
    return max(row.written, row.visited) if row else None


def _record_pks(patient_id):
    members = select(CompartmentMember.resource_pk).where(CompartmentMember.patient_id == patient_id)
    departed = select(CompartmentDeparture.resource_pk).where(CompartmentDeparture.patient_id == patient_id)
    patient = select(Resource.pk).where(Resource.resource_type == "Patient", Resource.id == patient_id)
    return sorted(db.session.scalars(union(members, departed, patient)))


def _batches(values):
    return (values[start:start + BATCH] for start in range(0, len(values), BATCH))


def _shared(patient_id, pks):
    """Of `pks`, those also in another patient's compartment."""
    found = set()
    for batch in _batches(pks):
        found.update(db.session.scalars(select(CompartmentMember.resource_pk).where(
            CompartmentMember.resource_pk.in_(batch), CompartmentMember.patient_id != patient_id)))
    return found


def _check_guards(patient_id, pks):
    """A deletion guard (a legal hold) refusing the patient or any resource of the record stops the purge."""
    deletion_guards.check("Patient", patient_id, None, {patient_id})
    for batch in _batches(pks):
        for rtype, rid, content in db.session.execute(select(Resource.resource_type, Resource.id, Resource.content)
                                                      .where(Resource.pk.in_(batch))):
            deletion_guards.check(rtype, rid, json.loads(content) if content else None, {patient_id})


def _delete(table, column, values, *where):
    return sum(db.session.execute(delete(table).where(column.in_(batch), *where)).rowcount
               for batch in _batches(values))


def purge_compartment(patient_id, inactive_before):
    """Hard-delete the patient's record; counts (no content). 409 when it was active since `inactive_before`
    (checked under the lock: a write that got in first wins) or a guard keeps any of it."""
    compartment_locks.take(patient_id)
    pks = _record_pks(patient_id)
    for batch in _batches(pks):  # wait for writes in flight on these rows (one moving a resource out, say)
        db.session.execute(select(Resource.pk).where(Resource.pk.in_(batch)).with_for_update()).all()
    pks = _record_pks(patient_id)  # what those writes left
    if not pks:
        raise FhirError(404, "not-found", f"Patient/{patient_id} has no record.")
    active = last_activity(patient_id)
    if active is not None and active >= inactive_before:
        raise FhirError(409, "business-rule", f"Patient/{patient_id}'s record was active at {active.isoformat()}, "
                        f"after {inactive_before.isoformat()}: it is kept.")
    shared = _shared(patient_id, pks)
    doomed = [pk for pk in pks if pk not in shared]
    _check_guards(patient_id, doomed)
    types = Counter(db.session.scalars(select(Resource.resource_type).where(Resource.pk.in_(doomed))))
    counts = {"index_rows": sum(_delete(table, table.c.resource_pk, doomed) for table in _INDEX_TABLES)}
    counts["compartment_rows"] = _delete(CompartmentMember.__table__, CompartmentMember.resource_pk, pks,
                                         CompartmentMember.patient_id == patient_id)
    _delete(CompartmentDeparture.__table__, CompartmentDeparture.resource_pk, pks,
            CompartmentDeparture.patient_id == patient_id)
    counts["versions"] = _delete(ResourceVersion.__table__, ResourceVersion.resource_pk, doomed)
    counts["resources"] = _delete(Resource.__table__, Resource.pk, doomed)
    db.session.expire_all()  # the session's copies of deleted rows must not be flushed back
    return {**counts, "kept_shared": len(shared), "types": dict(sorted(types.items()))}
