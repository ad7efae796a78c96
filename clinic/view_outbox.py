"""The transactional outbox of the clinic's FHIR Slot and Appointment views (issue 24, 2d).

A booking, cancel or reschedule does not write its FHIR views in its own transaction: it inserts one
`clinic_view_outbox` row per view to rewrite ("slot" / "appointment" + the row id), one statement, and
commits. `drain_batch` later claims pending rows, rewrites each view once from the clinic's *current*
rows (so the order of the rows and duplicates do not matter: several changes of a slot coalesce into
one write) and deletes the rows, in one transaction: a view is either written and its rows gone, or
neither. clinic.view_drainer runs it in the process right after the commit, and every second from the
scheduler for rows a killed process left behind.

Concurrency: on PostgreSQL a drain claims rows `FOR UPDATE SKIP LOCKED` (two drainers never take the
same row) and reads the source rows `FOR NO KEY UPDATE`, the lock every writer of a slot or appointment
takes to change it: a drain waits for a writer in flight and vice versa, so no drain ever writes a view
older than one already written (by another drain or by the synchronous writers in queue/reminders). On
SQLite `begin_write()` serialises everything.
"""
import logging

from sqlalchemy import delete, insert, select, update

from clinic import fhir_sync
from clinic.dbutil import begin_write, dialect_name, execute
from clinic.models import Appointment, Doctor, DoctorInstitution, Slot, ViewOutbox
from core import clock
from core.extensions import db

log = logging.getLogger(__name__)
BATCH = 200  # rows claimed per transaction
ENQUEUED = "clinic_view_outbox_enqueued"  # session.info flag: the commit should wake the drainer


def enqueue(slot_ids=(), appointment_ids=()):
    """Ask for the FHIR Slot / Appointment views of these rows to be rewritten after this transaction commits."""
    if not fhir_sync.enabled():
        return
    now = clock.now()
    rows = [{"kind": "slot", "key": key, "enqueued_at": now, "attempts": 0} for key in dict.fromkeys(slot_ids)]
    rows += [{"kind": "appointment", "key": key, "enqueued_at": now, "attempts": 0}
             for key in dict.fromkeys(appointment_ids)]
    if rows:
        execute(insert(ViewOutbox.__table__), rows)
        db.session.info[ENQUEUED] = True


def claim(limit, exclude=()):
    """Pending rows (id, kind, key) this transaction now owns, fewest failures first (not the ids in
    `exclude`); on PostgreSQL, rows other drains hold are skipped."""
    table = ViewOutbox.__table__
    stmt = select(table.c.id, table.c.kind, table.c.key).order_by(table.c.attempts, table.c.id).limit(limit)
    if exclude:
        stmt = stmt.where(table.c.id.not_in(exclude))
    if dialect_name() == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return execute(stmt).all()


def _resources(slot_ids, appointment_ids):
    """The current FHIR views of these rows, the source rows locked in id order (slots, then appointments)."""
    resources = []
    if slot_ids:
        link = DoctorInstitution
        rows = db.session.execute(
            select(Slot, link.id).outerjoin(link, (link.doctor_id == Slot.doctor_id)
                                            & (link.institution_id == Slot.institution_id))
            .where(Slot.id.in_(sorted(slot_ids))).order_by(Slot.id)
            .with_for_update(of=Slot, key_share=True).execution_options(populate_existing=True))
        resources += [fhir_sync.slot_resource(slot, link_id) for slot, link_id in rows if link_id]
    if appointment_ids:
        rows = db.session.execute(
            select(Appointment, Doctor.practitioner_id).join(Doctor, Doctor.id == Appointment.doctor_id)
            .where(Appointment.id.in_(sorted(appointment_ids))).order_by(Appointment.id)
            .with_for_update(of=Appointment, key_share=True).execution_options(populate_existing=True))
        resources += [fhir_sync.appointment_resource(appt, practitioner_id) for appt, practitioner_id in rows]
    return resources


def materialise(claimed):
    """Rewrite the views named by `claimed` rows from the current clinic rows and delete the rows."""
    slot_ids = {key for _, kind, key in claimed if kind == "slot"}
    appointment_ids = {key for _, kind, key in claimed if kind == "appointment"}
    resources = _resources(slot_ids, appointment_ids)
    if resources:
        fhir_sync.write_views(resources)
    execute(delete(ViewOutbox.__table__).where(ViewOutbox.__table__.c.id.in_([row_id for row_id, _, _ in claimed])))
    return len(resources)


def drain_batch(limit=BATCH):
    """Claim and materialise up to `limit` pending rows in the current transaction (the caller commits);
    returns how many rows were claimed (0: nothing pending that another drain does not hold)."""
    begin_write()
    claimed = claim(limit)
    if claimed:
        materialise(claimed)
    return len(claimed)


def record_failure(claimed):
    """Count a failed materialisation on the rows (their own transaction; the rows stay pending)."""
    begin_write()
    execute(update(ViewOutbox.__table__).where(ViewOutbox.__table__.c.id.in_([row_id for row_id, _, _ in claimed]))
            .values(attempts=ViewOutbox.__table__.c.attempts + 1))
