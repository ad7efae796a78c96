"""The transactional outbox of the clinic's FHIR Slot and Appointment views (issue 24, 2d).

A booking, cancel or reschedule does not write its FHIR views in its own transaction: it inserts one
`clinic_view_outbox` row per view to rewrite ("slot" / "appointment" + the row id), one statement, and
commits. `drain_batch` later claims pending rows, rewrites each view once from the clinic's *current*
rows (so the order of the rows and duplicates do not matter: several changes of a slot coalesce into
one write) and deletes the rows, in one transaction: a view is either written and its rows gone, or
neither. clinic.fhir_views.drainer runs it in the process right after the commit (after the response), and
every second from the scheduler for rows a killed process left behind.

Concurrency: on PostgreSQL a drain claims rows `FOR UPDATE SKIP LOCKED` (two drainers never take the
same row) and reads the source rows `FOR NO KEY UPDATE`, the lock every writer of a slot or appointment
takes to change it: a drain waits for a writer in flight and vice versa, so no drain ever writes a view
older than one already written (by another drain or by the synchronous writers in queue/reminders). On
SQLite `begin_write()` serialises everything.
"""

from sqlalchemy import bindparam, delete, insert, select, update

from clinic.appointments import Appointment
from clinic.directory import Doctor, DoctorInstitution
from clinic.fhir_views import ViewOutbox
from clinic.fhir_views import sync as fhir_sync
from clinic.scheduling import Slot
from core import clock
from core.dbutil import dialect_name, execute
from core.extensions import db
from core.transaction import begin_write

BATCH = 200  # rows claimed per transaction
ENQUEUED = "clinic_view_outbox_enqueued"  # session.info: rows this transaction enqueued (for the drainer)
_INSERT = insert(ViewOutbox.__table__)  # built once: this runs in every booking
_enqueue_hooks = []  # clinic.fhir_views.drainer's: arrange the drain after the request (it imports this module)
_appointment_companions = []  # builders of further views derived from appointments (the booking's charge)


def on_enqueue(hook):
    """Call `hook()` whenever views are enqueued (idempotent)."""
    if hook not in _enqueue_hooks:
        _enqueue_hooks.append(hook)


def on_appointment_views(builder):
    """Have `builder(appointment_ids)` give, in each drain, the views other packages derive from these appointments
    (clinic.appointments.billing_link: a booking's Invoice and ChargeItems), written with the drain's own in one
    records call; idempotent."""
    if builder not in _appointment_companions:
        _appointment_companions.append(builder)


def enqueue(slot_ids=(), appointment_ids=()):
    """Ask for the FHIR Slot / Appointment views of these rows to be rewritten after this transaction commits."""
    if not fhir_sync.enabled():
        return
    now = clock.now()
    rows = [{"kind": "slot", "key": key, "enqueued_at": now, "attempts": 0} for key in dict.fromkeys(slot_ids)]
    rows += [{"kind": "appointment", "key": key, "enqueued_at": now, "attempts": 0}
             for key in dict.fromkeys(appointment_ids)]
    if rows:
        execute(_INSERT, rows)
        db.session.info[ENQUEUED] = db.session.info.get(ENQUEUED, 0) + len(rows)
        for hook in _enqueue_hooks:
            hook()


def claim(limit, exclude=(), older_than=None):
    """Pending rows (id, kind, key) this transaction now owns, fewest failures first (not the ids in
    `exclude`; only rows enqueued before `older_than` when given); on PostgreSQL, rows other drains hold
    are skipped."""
    table = ViewOutbox.__table__
    stmt = select(table.c.id, table.c.kind, table.c.key).order_by(table.c.attempts, table.c.id).limit(limit)
    if older_than is not None:
        stmt = stmt.where(table.c.enqueued_at < older_than)
    if exclude:
        stmt = stmt.where(table.c.id.not_in(exclude))
    if dialect_name() == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return execute(stmt).all()


def _locked(stmt):
    """Read in id order with the row lock every writer of these rows takes (FOR NO KEY UPDATE; none on SQLite)."""
    return stmt.with_for_update(of=stmt.selected_columns[0].table, key_share=True)


# Core statements built once (rows read by column name: the ORM's identity map and loading cost ~2 ms a drain).
_SLOTS_T, _LINKS_T, _APPTS_T, _DOCTORS_T = (m.__table__ for m in (Slot, DoctorInstitution, Appointment, Doctor))
_SLOTS = _locked(select(_SLOTS_T, _LINKS_T.c.id.label("link_id")).outerjoin(
    _LINKS_T, (_LINKS_T.c.doctor_id == _SLOTS_T.c.doctor_id) & (_LINKS_T.c.institution_id == _SLOTS_T.c.institution_id))
    .where(_SLOTS_T.c.id.in_(bindparam("ids", expanding=True))).order_by(_SLOTS_T.c.id))
_APPOINTMENTS = _locked(select(_APPTS_T, _DOCTORS_T.c.practitioner_id).join(
    _DOCTORS_T, _DOCTORS_T.c.id == _APPTS_T.c.doctor_id)
    .where(_APPTS_T.c.id.in_(bindparam("ids", expanding=True))).order_by(_APPTS_T.c.id))


def _resources(slot_ids, appointment_ids):
    """The current FHIR views of these rows, the source rows locked in id order (slots, then appointments).

    Each query is read to its end (.all()) before any view is built: a view that fails to build would
    otherwise leave its query half-read, and on SQLite an unfinished query keeps its connection's read
    snapshot past the rollback (Python 3.11's sqlite3 no longer resets it), until the garbage collector
    frees the failure's traceback. Back in the pool, that connection would read the past and fail every
    write ("database is locked") for whichever transaction took it next."""
    resources = []
    if slot_ids:
        rows = execute(_SLOTS, {"ids": sorted(slot_ids)}).all()
        resources += [fhir_sync.slot_resource(row, row.link_id) for row in rows if row.link_id]
    if appointment_ids:
        rows = execute(_APPOINTMENTS, {"ids": sorted(appointment_ids)}).all()
        resources += [fhir_sync.appointment_resource(row, row.practitioner_id) for row in rows]
    return resources


def materialise(claimed):
    """Rewrite the views named by `claimed` rows from the current clinic rows and delete the rows."""
    slot_ids = {key for _, kind, key in claimed if kind == "slot"}
    appointment_ids = {key for _, kind, key in claimed if kind == "appointment"}
    resources = _resources(slot_ids, appointment_ids)
    for builder in _appointment_companions if appointment_ids else ():  # locked after the appointments, as writers do
        resources += builder(sorted(appointment_ids))
    if resources:
        fhir_sync.write_views(resources)
    execute(delete(ViewOutbox.__table__).where(ViewOutbox.__table__.c.id.in_([row_id for row_id, _, _ in claimed])))
    return len(resources)


def drain_batch(limit=BATCH, older_than=None):
    """Claim and materialise up to `limit` pending rows (enqueued before `older_than`, when given) in the
    current transaction (the caller commits); returns how many rows were claimed (0: nothing pending that
    another drain does not hold)."""
    begin_write()
    claimed = claim(limit, older_than=older_than)
    if claimed:
        materialise(claimed)
    return len(claimed)


def record_failure(claimed):
    """Count a failed materialisation on the rows (their own transaction; the rows stay pending)."""
    begin_write()
    execute(update(ViewOutbox.__table__).where(ViewOutbox.__table__.c.id.in_([row_id for row_id, _, _ in claimed]))
            .values(attempts=ViewOutbox.__table__.c.attempts + 1))
