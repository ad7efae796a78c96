"""SQLite under concurrent writers: retry a unit of work that hit "database is locked".

The kernel sets WAL and a 30 s busy timeout, so writers normally queue. SQLite still answers
SQLITE_BUSY at once, without waiting, when a transaction that has read must upgrade to a writer
after another connection committed (its snapshot is stale). The contended paths (accept, decline,
advance, cancel) therefore run through `retry_when_locked`: roll back, wait a little (jittered),
run the whole unit again from the start. Their conditional updates make a re-run safe. PostgreSQL
never raises this (it waits on row locks), so there the function runs exactly once.
"""
import logging
import random
import time

from sqlalchemy.exc import OperationalError

from core.errors import ApiError
from core.extensions import db

ATTEMPTS = 12
log = logging.getLogger(__name__)


def _locked(exc):
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database table is locked" in text


def retry_when_locked(work):
    """Run `work()`; on SQLite's "database is locked" roll back and run it again (a few times)."""
    for attempt in range(ATTEMPTS):
        try:
            return work()
        except OperationalError as exc:
            if not _locked(exc):
                raise
            db.session.rollback()
            log.info("database is locked; retrying (attempt %d)", attempt + 1)
            time.sleep(min(0.5, 0.01 * 2 ** attempt) * random.uniform(0.5, 1.5))
    raise ApiError(409, "busy", "The order is being changed by other requests; try again.",
                   headers={"Retry-After": "1"})
