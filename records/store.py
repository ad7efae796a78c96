"""The FHIR R4 resource store: create, read, vread, update, delete, history, search.

Interactions: https://hl7.org/fhir/R4/http.html. Write path (Medplum's order): check id, validate,
compare with the stored version, set meta.versionId / lastUpdated, then write the resource row, a
version row and the search-index rows together. Functions flush, never commit: the request or
command that calls them commits once. Read and vread (records.reads) and search (records.search) live
below the store and are re-exported here: the search engine reads too, and must not import the store.
"""
import json
import re
from contextlib import nullcontext

import psycopg
from sqlalchemy import func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from core import clock, dbutil
from core.extensions import db
from core.types import new_id
from records import compartment_locks
from records.bulk import insert_returning_pks, write_batch
from records.compartment import compartment_patients  # noqa: F401  (public API)
from records.errors import FhirError
from records.models import INDEX_MODELS, CompartmentDeparture, CompartmentMember, Resource, ResourceVersion
from records.reads import read_resource, read_version  # noqa: F401  (public API)
from records.search.definitions import supported_search_params  # noqa: F401  (public API)
from records.search.engine import SearchResult, everything, search  # noqa: F401  (public API)
from records.search.extract import extract_rows
from records.validation import model_class, validate_resource

ID_PATTERN = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_INDEX_TABLES = {kind: INDEX_MODELS[kind].__table__ for kind in ("string", "token", "reference", "date", "quantity")}
# A single create's INSERT, built once and run through the Core connection (Session.execute's ORM layer and
# a statement built per call were ~0.2 ms of a FHIR create's CPU).
_INSERT_ONE = pg_insert(Resource.__table__).on_conflict_do_nothing(
    index_elements=["resource_type", "id"]).returning(Resource.__table__.c.pk)


def _dumps(resource):
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"))


def _stamp(resource, resource_id, version_id, now):
    meta = {**(resource.get("meta") or {}), "versionId": str(version_id),
            "lastUpdated": now.isoformat().replace("+00:00", "Z")}
    stamped = {"resourceType": resource["resourceType"], "id": resource_id, "meta": meta}
    stamped.update((k, v) for k, v in resource.items() if k not in stamped)
    return stamped


def _check_id(resource_id):
    if not isinstance(resource_id, str) or not ID_PATTERN.match(resource_id):
        raise FhirError(400, "value", f"Invalid resource id {resource_id!r}", ["Resource.id"])


def _index_inserts(pairs):
    """[(table, rows)] of the index and compartment rows for [(resource_pk, resource)], one entry per table;
    joins those compartments as a writer first (records.compartment_locks: 409 while one is being purged)."""
    batches = {kind: [] for kind in _INDEX_TABLES}
    members = []
    for pk, resource in pairs:
        for kind, rows in extract_rows(resource).items():
            batches[kind].extend({**row, "resource_pk": pk} for row in rows)
        members.extend({"resource_pk": pk, "patient_id": p} for p in sorted(compartment_patients(resource)))
    compartment_locks.share({member["patient_id"] for member in members})
    return [(_INDEX_TABLES[kind], rows) for kind, rows in batches.items()] + [(CompartmentMember.__table__, members)]


def _index_deletes(pk):
    return [(table, "resource_pk", pk) for table in (*_INDEX_TABLES.values(), CompartmentMember.__table__)]


def _version_row(pk, resource_type, resource_id, version_id, now, method, content):
    return {"resource_pk": pk, "resource_type": resource_type, "id": resource_id, "version_id": version_id,
            "last_updated": now, "method": method, "content": content}


def create_resources(resources, *, resource_ids=None, validated=False):
    """Create many resources in one round trip per table (transaction Bundles, imports); all or nothing.
    `validated`: the resources are what validate_resource returned (records.api validates once)."""
    return _create_validated(resources if validated else [validate_resource(r) for r in resources], resource_ids)


def _create_validated(validated, resource_ids, *, known_absent=False):
    """create_resources for already validated resources; `known_absent`: the caller has just read
    (with a row lock) that the one client-chosen id is not there, so only a concurrent insert can clash."""
    if not validated:
        return []
    ids = list(resource_ids or [None] * len(validated))
    if len(ids) != len(validated):
        raise ValueError("resource_ids must have one entry (or None) per resource")
    for resource_id in filter(None, ids):
        _check_id(resource_id)
    given = [(r["resourceType"], i) for r, i in zip(validated, ids) if i]
    if len(set(given)) != len(given):
        raise FhirError(409, "conflict", "The same resource id appears twice in one batch")
    taken = set() if known_absent else _existing(set(given))
    if taken:
        raise FhirError(409, "conflict", f"{'/'.join(sorted(taken)[0])} already exists")
    now = clock.now()
    stored = [_stamp(r, i or new_id(), 1, now) for r, i in zip(validated, ids)]
    contents = [_dumps(r) for r in stored]
    rows = [{"resource_type": r["resourceType"], "id": r["id"], "version_id": 1, "last_updated": now,
             "deleted": False, "content": c} for r, c in zip(stored, contents)]
    if len(rows) == 1 and db.session.get_bind().dialect.name == "postgresql":
        # One round trip; a concurrent writer that took the client-chosen id meanwhile makes it return nothing.
        pk = dbutil.execute(_INSERT_ONE, rows[0]).scalar()
        if pk is None:
            raise FhirError(409, "conflict", "A resource with that id was created concurrently")
        pks = [pk]
    else:
        try:  # a concurrent writer may have taken a client-chosen id since _existing() looked
            with db.session.begin_nested() if given else nullcontext():
                pks = insert_returning_pks(Resource.__table__, rows)
        except (IntegrityError, psycopg.IntegrityError):
            raise FhirError(409, "conflict", "A resource with that id was created concurrently") from None
    versions = [_version_row(pk, r["resourceType"], r["id"], 1, now, "POST", c) for pk, r, c in zip(pks, stored, contents)]
    write_batch(inserts=[(ResourceVersion.__table__, versions), *_index_inserts(zip(pks, stored))])
    return stored


def _existing(keys):
    if not keys:
        return set()
    found = db.session.execute(select(Resource.resource_type, Resource.id).where(
        tuple_(Resource.resource_type, Resource.id).in_(sorted(keys))))
    return {tuple(row) for row in found}


def stored_contents(keys):
    """{(type, id): current content, or None when deleted} for those of `keys` that have a stored row."""
    found = {}
    keys = sorted(set(keys))
    for start in range(0, len(keys), 500):  # bounded IN lists
        rows = db.session.execute(select(Resource.resource_type, Resource.id, Resource.deleted, Resource.content).where(
            tuple_(Resource.resource_type, Resource.id).in_(keys[start:start + 500])))
        found.update(((t, i), None if deleted else json.loads(c)) for t, i, deleted, c in rows)
    return found


def create_resource(resource, *, resource_id=None, validated=False):
    """Create a resource (server-assigned uuid hex id unless `resource_id`); returns it with id and meta.
    `validated`: `resource` is what validate_resource returned (records.api validates before its checks)."""
    return create_resources([resource], resource_ids=[resource_id], validated=validated)[0]


def _row(resource_type, resource_id, lock=False):
    model_class(resource_type)
    stmt = select(Resource).where(Resource.resource_type == resource_type, Resource.id == resource_id)
    return db.session.scalars(stmt.with_for_update() if lock else stmt).first()


def _parse_if_match(if_match):
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise FhirError(400, "invalid", f"Invalid If-Match {if_match!r}", ["If-Match"]) from None


def locked_row(resource_type, resource_id):
    """The stored row of a resource (deleted or not) with its row lock taken, or None."""
    return _row(resource_type, resource_id, lock=True)


def row_content(row):
    """The current content of a `locked_row` (None when missing or deleted)."""
    return None if row is None or row.deleted else json.loads(row.content)


def _visible(resource):
    """A resource without the server's meta.versionId / meta.lastUpdated."""
    meta = {k: v for k, v in (resource.get("meta") or {}).items() if k not in ("versionId", "lastUpdated")}
    return {**{k: v for k, v in resource.items() if k != "meta"}, **({"meta": meta} if meta else {})}


def same_content(stored, resource):
    """True when `resource` says what `stored` says (meta.versionId / lastUpdated aside)."""
    return _visible(stored) == _visible(resource)


_UNREAD = object()


def update_resource(resource_type, resource_id, resource, *, if_match=None, validated=False, row=_UNREAD,
                    skip_unchanged=False):
    """Update (or create with the client's id); returns (stored, created). Stale if_match -> 412.

    `validated`: `resource` is what validate_resource returned (records.api validates once);
    `row`: the caller's `locked_row` of this resource; `skip_unchanged`: when the stored version
    already has the same content (meta.versionId / lastUpdated aside), write no new version and
    return the stored one (derived views such as the clinic's Slot / Appointment use this).
    """
    _check_id(resource_id)
    normalised = resource if validated else validate_resource(resource, expected_type=resource_type)
    if normalised.get("id") != resource_id:
        raise FhirError(400, "invalid", f"Resource id {normalised.get('id')!r} does not match the URL id "
                        f"{resource_id!r}", ["Resource.id"])
    if row is _UNREAD:
        row = locked_row(resource_type, resource_id)
    expected = _parse_if_match(if_match) if if_match is not None else None  # "W/" alone is a 400, not "no check"
    current = row.version_id if row else 0
    if expected is not None and (row is None or row.deleted or expected != current):
        raise FhirError(412, "conflict", f"Version conflict: If-Match {expected}, current version {current}")
    if row is None:
        return _create_validated([normalised], [resource_id], known_absent=True)[0], True
    if skip_unchanged and not row.deleted:
        stored = json.loads(row.content)
        if _visible(stored) == _visible(normalised):
            return stored, False
    now = clock.now()
    stored = _stamp(normalised, resource_id, current + 1, now)
    content = _dumps(stored)
    created = row.deleted
    db.session.execute(update(Resource.__table__).where(Resource.__table__.c.pk == row.pk).values(
        version_id=current + 1, last_updated=now, deleted=False, content=content))
    for name, value in (("version_id", current + 1), ("last_updated", now), ("deleted", False), ("content", content)):
        set_committed_value(row, name, value)  # the session's copy matches the row without a reload
    write_batch(deletes=_index_deletes(row.pk), inserts=[
        (ResourceVersion.__table__, [_version_row(row.pk, resource_type, resource_id, current + 1, now, "PUT", content)]),
        *_index_inserts([(row.pk, stored)])])
    return stored, created


def delete_resource(resource_type, resource_id):
    """Delete (idempotent): the new version id of the deletion, or None when nothing was there."""
    row = _row(resource_type, resource_id, lock=True)
    if row is None or row.deleted:
        return None
    now = clock.now()
    row.version_id, row.last_updated, row.deleted, row.content = row.version_id + 1, now, True, None
    db.session.execute(insert(ResourceVersion.__table__),
                       [_version_row(row.pk, resource_type, resource_id, row.version_id, now, "DELETE", None)])
    db.session.flush()
    _remember_departures(row.pk)
    write_batch(deletes=_index_deletes(row.pk))
    return str(row.version_id)


def _remember_departures(pk):
    """Keep the patients whose compartment the deleted resource leaves (a later purge of them finds it),
    having joined those compartments as a writer (409 while one is being purged)."""
    patients = set(db.session.scalars(select(CompartmentMember.patient_id).where(CompartmentMember.resource_pk == pk)))
    compartment_locks.share(patients)
    known = set(db.session.scalars(select(CompartmentDeparture.patient_id).where(
        CompartmentDeparture.resource_pk == pk, CompartmentDeparture.patient_id.in_(patients)))) if patients else set()
    if patients - known:
        db.session.execute(insert(CompartmentDeparture.__table__),
                           [{"patient_id": p, "resource_pk": pk} for p in sorted(patients - known)])


def history(resource_type=None, resource_id=None, *, since=None, count=50, offset=0):
    """Versions newest first as entries {resource|None, method, version_id, last_updated, type, id}, and the total."""
    where = []
    if resource_type:
        model_class(resource_type)
        where.append(ResourceVersion.resource_type == resource_type)
    if resource_id:
        if _row(resource_type, resource_id) is None:
            raise FhirError(404, "not-found", f"{resource_type}/{resource_id} is not known")
        where.append(ResourceVersion.id == resource_id)
    if since is not None:
        where.append(ResourceVersion.last_updated >= since)
    total = db.session.scalar(select(func.count()).select_from(ResourceVersion).where(*where))
    rows = db.session.scalars(select(ResourceVersion).where(*where).order_by(
        ResourceVersion.last_updated.desc(), ResourceVersion.pk.desc()).limit(max(0, min(count, 500)))
        .offset(max(0, offset))).all()
    return [{"resource": json.loads(r.content) if r.content else None, "method": r.method,
             "version_id": str(r.version_id), "last_updated": r.last_updated, "type": r.resource_type,
             "id": r.id} for r in rows], total
