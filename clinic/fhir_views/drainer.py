"""Who drains the FHIR view outbox (clinic.fhir_views.outbox), and when.

- In the process that committed, right after the commit: a per-process daemon thread, woken by the
  commit, drains everything pending (what piles up while it drains goes into its next batch).
- Under load, the request threads help: once HELP_ROWS rows committed in this process wait for a drain,
  the request whose commit finds them drains them itself after its response has been sent (WSGI close:
  the client does not wait). Measured why: a lone thread gets only its 1/threads share of the GIL, and
  at saturation (64 clients, 32 threads a process) fell seconds behind (view lag p50 2.5 s, p99 4 s);
  a drain in every request after its response kept up but drained one booking at a time (~5 ms of CPU
  each, against ~1 ms per booking in batches of 20).
- The scheduler leader's `clinic.drain_fhir_views`, every second: the safety net for rows a killed or
  stopped process left behind (the rows are in the database, so nothing is lost, only later).
Concurrent drains take disjoint rows (SKIP LOCKED). CLINIC_FHIR_VIEW_DRAINER=false turns the first two off
(the tests do, and call `drain_views(app)` where they read a view); CLINIC_FHIR_VIEW_GATHER_MS delays each
in-process drain (0 by default; a test holds it to kill a server between commit and materialisation).
A batch that fails is retried one row at a time, so one bad row (counted in `attempts`) holds up nobody else.
"""
import logging
import os
import threading
import time
from datetime import timedelta

from flask import after_this_request, current_app, g, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from clinic.fhir_views import outbox as view_outbox
from core import clock
from core.extensions import db
from core.scheduler import register_periodic
from core.transaction import begin_write

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0  # after a failed drain; the scheduler's sweep catches up meanwhile
SWEEP_MIN_AGE = timedelta(seconds=0.5)  # the scheduler's sweep takes rows at least this old
HELP_ROWS = 20  # rows waiting in this process beyond which a request drains them itself (~10 bookings)
EXTENSION = "clinic.fhir_views.drainer"
_REQUEST_STATE = "clinic_view_drain"  # flask.g: this request enqueued views; "committed" once they are


def _drain_rows_one_by_one(limit, older_than=None):
    """After a failed batch: each row in its own transaction; a failing row gets attempts + 1 and stays."""
    done, failed = 0, set()
    for _ in range(limit):
        claimed = []
        try:
            begin_write()
            claimed = view_outbox.claim(1, exclude=failed, older_than=older_than)
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


def drain_pending(max_batches=50, older_than=None):
    """Drain what is pending in the current app context, committing each batch; returns the rows drained."""
    total = 0
    for _ in range(max_batches):
        try:
            claimed = view_outbox.drain_batch(older_than=older_than)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.warning("FHIR view outbox batch failed; retrying its rows one by one", exc_info=True)
            total += _drain_rows_one_by_one(view_outbox.BATCH, older_than)
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
    """Materialise the FHIR views left pending (by a killed process, or with the in-process drainer off).
    Rows younger than SWEEP_MIN_AGE are left to the in-process drains: measured, a sweep that claimed the
    fresh rows of a busy server (SKIP LOCKED hides them from the others until it commits) made their tail
    lag (p99 1.9 s at saturation)."""
    return drain_pending(older_than=clock.now() - SWEEP_MIN_AGE)


class ViewDrainer:
    """This app's in-process drains: the per-process thread (started on the first wake in this process,
    after a fork too), or a request thread after its response when rows pile up."""

    def __init__(self, app):
        self.app = app
        self.waiting = 0  # rows committed in this process since the last drain began (approximate: a heuristic)
        self._gather_seconds = app.config["CLINIC_FHIR_VIEW_GATHER_MS"] / 1000
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread = None
        self._pid = None
        self._stopped = False

    def stop(self, timeout=30):
        """Drain no more in this process (a test's end, an app shut down): later wakes do nothing, a drain
        under way finishes first. (A response closed late would otherwise drain in the middle of other work.)"""
        self._stopped = True
        self._wake.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout)

    def wake(self):
        """A commit enqueued views: drain soon."""
        if self._stopped:
            return
        if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
                    self._wake = threading.Event()
                    self._thread = threading.Thread(target=self._run, name="fhir-view-drainer", daemon=True)
                    self._pid = os.getpid()
                    self._thread.start()
        self._wake.set()

    def committed(self, rows):
        """`rows` outbox rows were committed in this process."""
        self.waiting += rows

    def after_response(self):
        """A request's rows are committed and its answer sent: drain here if rows pile up, else wake the thread."""
        if self._stopped:
            return
        if self.waiting >= HELP_ROWS:
            self.drain_now()
        else:
            self.wake()

    def drain_now(self):
        """Drain in the calling thread; never raises (the rows wait in the table for the next drain)."""
        time.sleep(self._gather_seconds)
        self.waiting = 0  # this drain takes everything committed so far
        try:
            drain_views(self.app)
            return True
        except Exception:  # e.g. the database is down
            log.exception("FHIR view drain failed")
            return False

    def _run(self):
        while not self._stopped:
            self._wake.wait()
            self._wake.clear()  # a commit from now on wakes another round
            if self._stopped:
                return
            if not self.drain_now():
                time.sleep(RETRY_SECONDS)


def _enqueued(drainer):
    """view_outbox.enqueue ran: in a request, see to the drain once its response is sent (if it commits)."""
    if not has_request_context() or hasattr(g, _REQUEST_STATE):
        return
    state = {"committed": False}
    setattr(g, _REQUEST_STATE, state)

    @after_this_request
    def drain_after_response(response):
        response.call_on_close(lambda: state["committed"] and drainer.after_response())
        return response


def _after_commit(session):
    rows = session.info.pop(view_outbox.ENQUEUED, 0)
    if not rows or not has_app_context():
        return
    drainer = current_app.extensions.get(EXTENSION)
    if drainer is None:
        return
    drainer.committed(rows)
    if has_request_context() and hasattr(g, _REQUEST_STATE):
        getattr(g, _REQUEST_STATE)["committed"] = True
    else:
        drainer.wake()


def _forget_after_rollback(session, previous_transaction):
    if not previous_transaction.nested:
        session.info.pop(view_outbox.ENQUEUED, None)


def init_app(app):
    """Install the commit hook (once per process) and, unless turned off, this app's drainer."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _forget_after_rollback)
    view_outbox.on_enqueue(_on_enqueue)
    if app.config["CLINIC_FHIR_VIEW_DRAINER"]:
        app.extensions[EXTENSION] = ViewDrainer(app)


def _on_enqueue():
    drainer = current_app.extensions.get(EXTENSION) if has_app_context() else None
    if drainer is not None:
        _enqueued(drainer)
