"""The audit trail of health-data access: every read, search and write of health data leaves an entry.

Domains never write AuditEntry rows themselves: they call `record_access` (or decorate a service
function with `audited`). Denied and failed accesses are kept even when the request rolls back;
successful ones commit (or roll back) with the work they describe, except the reads of an HTTP GET,
which are committed in batches with other requests' before the response leaves (core.audit_commit).
"""
import contextvars
import functools
import json

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import insert

from core import audit_commit, clock
from core.bulk_insert import bulk_insert
from core.extensions import db
from core.models import AuditEntry
from core.transaction import keep_on_error

OUTCOMES = ("success", "denied", "failed")
_INSERT_ENTRY = insert(AuditEntry.__table__)
_entries_recorded = contextvars.ContextVar("audit_entries_recorded", default=0)


class UnauditedAccess(RuntimeError):
    """A service function marked @audited returned without recording an audit entry."""


def _request_facts():
    if has_request_context():
        return request.remote_addr, getattr(g, "request_id", None)
    if has_app_context():  # a request answered below Flask (records.fhir.fast_read) keeps both in g
        return g.get("remote_addr"), g.get("request_id")
    return None, None


def _entry_values(actor, action, entity, patient_ref, outcome, detail):
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    address, request_id = _request_facts()
    client_id = getattr(actor, "client_id", None)
    if client_id:  # a SMART token: every entry names the app that acted for the user
        detail = {"client_id": client_id, **(detail if isinstance(detail, dict) else {"detail": detail} if detail
                                             else {})}
    return dict(
        at=clock.now(),
        user_id=getattr(actor, "user_id", None),
        role=getattr(actor, "role", None) or "system",
        action=action,
        entity=entity[:200] if entity else None,
        patient_ref=patient_ref,
        outcome=outcome,
        address=address,
        request_id=request_id,
        detail=json.dumps(detail, default=str, ensure_ascii=False) if isinstance(detail, (dict, list)) else detail,
    )


def record_access(actor, action, entity=None, patient_ref=None, outcome="success", detail=None, durable=False):
    """Record that `actor` did `action` on `entity` (health data of `patient_ref`) with `outcome`;
    `durable` keeps a successful entry even if the request fails (e.g. a refusal that was decided)."""
    values = _entry_values(actor, action, entity, patient_ref, outcome, detail)
    _entries_recorded.set(_entries_recorded.get() + 1)
    if outcome == "success" and not durable:
        # Rolled back with the request: an access the client never received did not happen,
        # and a create that was undone must not be audited as done.
        if audit_commit.defer(action, values):
            return None
        if db.session.get_bind().dialect.name == "postgresql":
            # A Core INSERT in the current transaction (or savepoint) now, not an ORM object flushed at
            # commit: the same row in the same transaction, without the unit of work (~0.2 ms of a create).
            # Not on SQLite: a write here would open the transaction before core.transaction.begin_write.
            db.session.connection().execute(_INSERT_ENTRY, values)
            return None
        entry = AuditEntry(**values)
        db.session.add(entry)
        return entry
    return keep_on_error(AuditEntry, **values)


def record_successes(actor, accesses):
    """Record many successful accesses of `actor`, [(action, entity, patient_ref, detail)], as record_access
    would one by one, but in one statement (COPY on PostgreSQL): a Bundle's writes audit 200 resources in
    one round trip instead of 200 ORM rows. Rolled back with the request, like record_access's successes."""
    rows = [_entry_values(actor, action, entity, patient_ref, "success", detail)
            for action, entity, patient_ref, detail in accesses]
    _entries_recorded.set(_entries_recorded.get() + len(rows))
    bulk_insert(AuditEntry.__table__, [row for row in rows if not audit_commit.defer(row["action"], row)])


def audited(action):
    """Enforce that a service function records at least one audit entry on every successful return."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            before = _entries_recorded.get()
            result = fn(*args, **kwargs)
            if _entries_recorded.get() == before:
                raise UnauditedAccess(f"{fn.__module__}.{fn.__qualname__} returned without an audit entry")
            return result

        wrapper.__audited__ = action
        return wrapper

    return decorate
