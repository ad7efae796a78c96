"""Who drains the FHIR view outbox (clinic.view_outbox), and when.

- In the process that committed: a commit that enqueued views wakes a per-process daemon thread, which
  waits CLINIC_FHIR_VIEW_GATHER_MS (20 ms) for more commits to join and drains them in one transaction (typically well under
  a second after the commit). CLINIC_FHIR_VIEW_DRAINER=false turns the thread off (the tests do, and call
  `drain_views(app)` where they read a view).
- The scheduler leader's `clinic.drain_fhir_views`, every second: the safety net for rows a killed or
  stopped process left behind (the rows are in the database, so nothing is lost, only later).
A batch that fails is retried one row at a time, so one bad row (counted in `attempts`) holds up nobody else.
"""
import logging
import os
import threading
import time

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from clinic import view_outbox
from clinic.dbutil import begin_write
from core.extensions import db
from core.scheduler import register_periodic

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0  # after a failed drain; the scheduler's sweep catches up meanwhile
EXTENSION = "clinic.view_drainer"


def _drain_rows_one_by_one(limit):
    """After a failed batch: each row in its own transaction; a failing row gets attempts + 1 and stays."""
    done, failed = 0, set()
    for _ in range(limit):
        claimed = []
        try:
            begin_write()
            claimed = view_outbox.claim(1, exclude=failed)
            if not claimed:
                break
            view_outbox.materialise(claimed)
            db.session.commit()
            done += 1
        except Exception:
            db.session.rollback()
            log.exception("FHIR view outbox row %s could not be materialised", claimed)
            if claimed:
                failed.add(claimed[0][0])
                view_outbox.record_failure(claimed)
                db.session.commit()
    return done


def drain_pending(max_batches=50):
    """Drain what is pending in the current app context, committing each batch; returns the rows drained."""
    total = 0
    for _ in range(max_batches):
        try:
            claimed = view_outbox.drain_batch()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.warning("FHIR view outbox batch failed; retrying its rows one by one", exc_info=True)
            total += _drain_rows_one_by_one(view_outbox.BATCH)
            break
        total += claimed
        if claimed < view_outbox.BATCH:
            break
    return total


def drain_views(app):
    """Materialise every pending view now, in a fresh app context (tests; `flask clinic drain-views`)."""
    with app.app_context():
        try:
            return drain_pending()
        finally:
            db.session.remove()


@register_periodic("clinic.drain_fhir_views", seconds=1)
def drain_fhir_views():
    """Materialise the FHIR views left pending (by a killed process, or with the in-process drainer off)."""
    return drain_pending()


class ViewDrainer:
    """The per-process drain thread, started on the first wake in this process (after a fork, too)."""

    def __init__(self, app):
        self.app = app
        self._gather_seconds = app.config["CLINIC_FHIR_VIEW_GATHER_MS"] / 1000
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread = None
        self._pid = None

    def wake(self):
        """A commit enqueued views: drain soon."""
        if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
                    self._wake = threading.Event()
                    self._thread = threading.Thread(target=self._run, name="fhir-view-drainer", daemon=True)
                    self._pid = os.getpid()
                    self._thread.start()
        self._wake.set()

    def _run(self):
        while True:
            self._wake.wait()
            time.sleep(self._gather_seconds)  # let the commits of the next few ms share this drain
            self._wake.clear()  # a commit from now on wakes another round
            try:
                drain_views(self.app)
            except Exception:  # e.g. the database is down: the rows wait in the table
                log.exception("FHIR view drain failed")
                time.sleep(RETRY_SECONDS)


def _wake_after_commit(session):
    if session.info.pop(view_outbox.ENQUEUED, False) and has_app_context():
        drainer = current_app.extensions.get(EXTENSION)
        if drainer is not None:
            drainer.wake()


def _forget_after_rollback(session, previous_transaction):
    if not previous_transaction.nested:
        session.info.pop(view_outbox.ENQUEUED, None)


def init_app(app):
    """Install the commit hook (once per process) and, unless turned off, this app's drainer."""
    if not event.contains(Session, "after_commit", _wake_after_commit):
        event.listen(Session, "after_commit", _wake_after_commit)
        event.listen(Session, "after_soft_rollback", _forget_after_rollback)
    if app.config["CLINIC_FHIR_VIEW_DRAINER"]:
        app.extensions[EXTENSION] = ViewDrainer(app)
