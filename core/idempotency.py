"""`Idempotency-Key`: a retried request returns the first response (same status and body) instead of
acting twice.

The key row (per user) is inserted as the request's first write, in the same transaction as the work:
- a retry after the first committed finds the row and replays the stored response;
- a concurrent duplicate blocks on the key's unique index (PostgreSQL) or the write lock (SQLite)
  until the first commits, then finds the row and replays it; it never runs the work itself.
The work runs inside a savepoint: when it fails with a problem (409 slot full, 422 ...), the savepoint
is rolled back, the problem is stored with the key and committed here, so a retry gets the same
problem. A different request body under a used key is refused with 422.
"""
import functools
import hashlib
from datetime import timedelta

from flask import Response, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from core import clock
from core.auth import current_actor
from core.errors import ApiError, handle_api_error, handle_http_exception
from core.extensions import db
from core.models import IdempotencyKey
from core.transaction import begin_write, restore_kept

HEADER = "Idempotency-Key"
HEADER_DOC = {"in": "header", "name": HEADER, "required": False, "schema": {"type": "string", "maxLength": 255},
              "description": "Retries with the same key return the first response instead of acting twice."}
REPLAYED = "Idempotent-Replayed"


def _fingerprint():
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay(user_id, key, fingerprint):
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                         IdempotencyKey.key == key))
    if row is None or row.status_code is None:
        raise ApiError(409, "request_in_progress", "A request with this Idempotency-Key is still in progress.",
                       headers={"Retry-After": "1"})
    if row.fingerprint != fingerprint:
        raise ApiError(422, "idempotency_key_reused", "This Idempotency-Key was used for a different request.")
    response = Response(row.body, status=row.status_code, mimetype=row.mimetype)
    response.headers[REPLAYED] = "true"
    return response


def idempotent(view):
    """Decorator for a POST view: honour the Idempotency-Key header (see the module docstring)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not 1 <= len(key) <= 255:
            raise ApiError(400, "bad_idempotency_key", "Idempotency-Key must be 1 to 255 characters.")
        user_id, fingerprint = current_actor().user_id, _fingerprint()
        begin_write()
        row = IdempotencyKey(user_id=user_id, key=key, fingerprint=fingerprint, created_at=clock.now())
        db.session.add(row)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            return _replay(user_id, key, fingerprint)
        failed = False
        try:
            with db.session.begin_nested():
                response = view(*args, **kwargs)
        except ApiError as error:
            response, failed = handle_api_error(error), True
        except HTTPException as error:
            response, failed = handle_http_exception(error), True
        row.status_code, row.mimetype, row.body = response.status_code, response.mimetype, response.get_data()
        if failed:
            # The savepoint's rollback dropped what must survive an error (the risk decision, denied-access
            # audit entries): write it again, or the commit below would forget it for good.
            restore_kept()
        db.session.flush()
        if failed or response.status_code >= 400:
            # The request will roll back (core.transaction); the key and its answer must survive it.
            db.session.commit()
        return response

    return wrapper


def purge_keys(max_age_hours):
    """Delete keys older than `max_age_hours` (run daily); return how many."""
    cutoff = clock.now() - timedelta(hours=max_age_hours)
    return db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)).rowcount
