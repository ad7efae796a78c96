"""Write several validated resources (update, or create with the caller's id) in a few round trips.

For derived views that change together (the clinic's Slot and Appointment of one booking):
one locked `SELECT` of every stored row, one multi-row `INSERT ... ON CONFLICT DO NOTHING RETURNING`
for the new ones, then the `UPDATE` of each changed one with the version, index and compartment rows
of all of them in one `records.bulk.write_batch` (one psycopg pipeline).
Same result, versioning and index rows as `store.update_resource` called once per resource.
"""
import json
from functools import lru_cache

from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from core import clock
from core.extensions import db
from records import store
from records.bulk import write_batch
from records.errors import FhirError
from records.compartment import compartment_types
from records.models import INDEX_MODELS, CompartmentMember, Resource, ResourceVersion
from records.search.definitions import indexed_params

_T = Resource.__table__


def _execute(stmt, params=None):
    # Connection.execute after the flush Session.execute would do: a third of Session.execute's CPU.
    db.session.flush()
    return db.session.connection().execute(stmt, params)


def locked_rows(keys):
    """{(type, id): row (pk, version_id, deleted, content)} of the stored resources, row locks taken in pk order."""
    if not keys:
        return {}
    rows = _execute(select(_T.c.resource_type, _T.c.id, _T.c.pk, _T.c.version_id, _T.c.deleted,
                                     _T.c.content).where(tuple_(_T.c.resource_type, _T.c.id).in_(sorted(keys)))
                              .order_by(_T.c.pk).with_for_update())
    return {(row.resource_type, row.id): row for row in rows}


@lru_cache(maxsize=None)
def _index_tables(resource_type):
    """The index/compartment tables a resource of this type can have rows in (the others need no DELETE):
    the kinds of its indexed search parameters, and the compartment table for compartment types."""
    kinds = {{"uri": "token", "number": "quantity"}.get(p.type, p.type) for p, _ in indexed_params(resource_type)}
    tables = [INDEX_MODELS[kind].__table__ for kind in ("string", "token", "reference", "date", "quantity")
              if kind in kinds]
    if resource_type in compartment_types():
        tables.append(CompartmentMember.__table__)
    return tuple(tables)


def _index_deletes(resource_type, pk):
    return [(table, "resource_pk", pk) for table in _index_tables(resource_type)]


def _insert_new(rows):
    """Insert resource rows whose ids were just seen free; {(type, id): pk}; 409 when one was taken meanwhile."""
    if not rows:
        return {}
    pks = {(r.resource_type, r.id): r.pk for r in _execute(_insert_new_statement(db.session.get_bind().dialect.name),
                                                          rows)}
    if len(pks) != len(rows):
        raise FhirError(409, "conflict", "A resource with that id was created concurrently")
    return pks


@lru_cache(maxsize=None)
def _insert_new_statement(dialect):
    """Built once per dialect, the rows go as parameters (one multi-row INSERT through insertmanyvalues): a
    `.values(rows)` statement was compiled anew on every call (~0.5 ms of CPU per outbox drain)."""
    module = postgresql if dialect == "postgresql" else sqlite
    return (module.insert(_T).on_conflict_do_nothing(index_elements=["resource_type", "id"])
            .returning(_T.c.resource_type, _T.c.id, _T.c.pk))


def _keep_session_copy(pk, values):
    """A Resource the session already holds is set to what was written (no stale read later in the request)."""
    instance = db.session.identity_map.get(identity_key(Resource, pk))
    if instance is not None:
        for name, value in values.items():
            set_committed_value(instance, name, value)


def update_resources(items, *, skip_unchanged=False, existing=None):
    """Write [(type, id, validated resource)]; returns [(stored, created)] in the same order.

    `skip_unchanged`: a resource whose stored content is the same (meta aside) gets no new version;
    `existing`: the caller's `locked_rows` of these resources (read here otherwise).
    """
    for _, resource_id, resource in items:
        store._check_id(resource_id)
        if resource.get("id") != resource_id:
            raise FhirError(400, "invalid", f"Resource id {resource.get('id')!r} does not match {resource_id!r}")
    if len({(t, i) for t, i, _ in items}) != len(items):
        raise FhirError(409, "conflict", "The same resource appears twice in one batch")
    if existing is None:
        existing = locked_rows({(t, i) for t, i, _ in items})
    now = clock.now()
    results, new_rows, changed = [None] * len(items), [], []
    for n, (rtype, rid, resource) in enumerate(items):
        row = existing.get((rtype, rid))
        if row is not None and skip_unchanged and not row.deleted:
            stored = json.loads(row.content)
            if store._visible(stored) == store._visible(resource):
                results[n] = (stored, False)
                continue
        version = row.version_id + 1 if row is not None else 1
        stored = store._stamp(resource, rid, version, now)
        content = store._dumps(stored)
        results[n] = (stored, row is None or row.deleted)
        if row is None:
            new_rows.append({"resource_type": rtype, "id": rid, "version_id": 1, "last_updated": now,
                             "deleted": False, "content": content})
        changed.append((n, row, stored, content))
    pks = _insert_new(new_rows)
    versions, indexed, deletes, updates = [], [], [], []
    for n, row, stored, content in changed:
        rtype, rid = items[n][0], items[n][1]
        pk = pks[(rtype, rid)] if row is None else row.pk
        version = int(stored["meta"]["versionId"])
        if row is not None:
            values = {"version_id": version, "last_updated": now, "deleted": False, "content": content}
            updates.append((_T, "pk", pk, values))
            deletes.extend(_index_deletes(rtype, pk))
            _keep_session_copy(pk, values)
        versions.append(store._version_row(pk, rtype, rid, version, now, "PUT" if row is not None else "POST",
                                           content))
        indexed.append((pk, stored))
    if changed:
        write_batch(updates=updates, deletes=deletes, inserts=[(ResourceVersion.__table__, versions), *store._index_inserts(indexed)])
    return results
