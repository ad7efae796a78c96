"""Timed work with APScheduler: periodic sweeps registered by the domains, a job store in the same
database, and a leader lock so exactly one process runs jobs.

Domains keep their due work in their own tables (a reminder row with `due_at`, an offer with a
deadline); the periodic jobs here sweep those rows idempotently, so a job that fires twice, late,
or after a restart does no harm, and nothing is lost when a process dies.
"""
import fcntl
import logging
import threading
import time
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text

from core import metrics
from core.extensions import db

log = logging.getLogger(__name__)
JOB_RUNS = metrics.counter("cloud_hospital_scheduled_job_runs", "Scheduled job runs, by job", ["job"])
JOB_FAILURES = metrics.counter("cloud_hospital_scheduled_job_failures",
                               "Scheduled job runs that failed (their work rolled back), by job", ["job"])
LEADER_LOCK_KEY = 704_221_117  # arbitrary constant for pg_try_advisory_lock
_periodic = {}  # job id -> (function, seconds)
_scheduler_app = None  # the app whose context jobs run in (jobs are pickled, so they name it indirectly)


def register_periodic(job_id, seconds):
    """Decorator: run `fn()` every `seconds` in the leader process, inside an app context."""

    def decorate(fn):
        _periodic[job_id] = (fn, seconds)
        return fn

    return decorate


def periodic_jobs():
    """The registered periodic jobs (id -> (function, seconds)); tests call the functions directly."""
    return dict(_periodic)


def run_job(app, job_id):
    """Run one registered job in an app context and commit its work (rolled back on error); returns its result.
    Each run is counted and logged once, naming the job (`job` in the JSON line)."""
    fn, _ = _periodic[job_id]
    started = time.perf_counter()
    JOB_RUNS.labels(job_id).inc()
    with app.app_context():
        try:
            result = fn()
            db.session.commit()
        except Exception:
            db.session.rollback()
            JOB_FAILURES.labels(job_id).inc()
            log.exception("scheduled job %s failed", job_id, extra=_job_fields(job_id, started, "failure"))
            raise
        finally:
            db.session.remove()
    log.info("scheduled job %s done", job_id, extra=_job_fields(job_id, started, "success", result))
    return result


def _job_fields(job_id, started, outcome, result=None):
    fields = {"job": job_id, "outcome": outcome, "duration_ms": round((time.perf_counter() - started) * 1000, 2)}
    if isinstance(result, (int, float, str)):  # e.g. how many offers expired
        fields["result"] = result
    return fields


class LeaderLock:
    """Held by at most one process: a PostgreSQL advisory lock, or a file lock beside a SQLite database."""

    def __init__(self, app):
        self.app = app
        self._conn = None
        self._file = None

    def try_acquire(self):
        """Take the lock if free; True when this process is the leader."""
        with self.app.app_context():
            engine = db.engine
            if engine.dialect.name == "postgresql":
                conn = engine.connect()
                got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK_KEY}).scalar()
                if got:
                    self._conn = conn
                else:
                    conn.close()
                return bool(got)
        path = Path(self.app.instance_path) / "scheduler.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self):
        """Give up leadership (closing the connection or file drops the lock)."""
        if self._conn is not None:
            # A pooled connection would keep the session lock alive: unlock and discard it.
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_LOCK_KEY})
            self._conn.invalidate()
            self._conn.close()
            self._conn = None
        if self._file is not None:
            self._file.close()
            self._file = None


def run_registered(job_id):
    """Entry point stored in the job store: run a registered job in the scheduler's app."""
    run_job(_scheduler_app, job_id)


def build_scheduler(app):
    """A BackgroundScheduler with the database job store and every registered periodic job."""
    global _scheduler_app
    _scheduler_app = app
    with app.app_context():
        store = SQLAlchemyJobStore(engine=db.engine, tablename="apscheduler_jobs")
    scheduler = BackgroundScheduler(jobstores={"default": store}, timezone="UTC",
                                    job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
    for job_id, (_, seconds) in _periodic.items():
        # name=job_id: APScheduler's own lines (a missed or skipped run) name the job, not run_registered.
        scheduler.add_job("core.scheduler:run_registered", "interval", seconds=seconds, id=job_id, name=job_id,
                          args=[job_id], replace_existing=True)
    # Its "Running job" / "executed successfully" pair per run would repeat run_job's one line.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    return scheduler


def drop_retired_jobs(scheduler):
    """Remove stored jobs no code registers any more (a renamed or deleted job), which would fail every run."""
    for job in scheduler.get_jobs():
        if job.id not in _periodic:
            scheduler.remove_job(job.id)
            log.warning("removed the stored job %s: no code registers it any more", job.id)


def start_when_leader(app, retry_seconds=15):
    """Start the scheduler in this process as soon as it holds the leader lock (retrying in the background)."""
    lock = LeaderLock(app)

    def attempt():
        while not lock.try_acquire():
            stop.wait(retry_seconds)
            if stop.is_set():
                return
        scheduler = build_scheduler(app)
        scheduler.start()
        drop_retired_jobs(scheduler)
        app.extensions["scheduler"] = scheduler
        log.info("this process is the scheduler leader; %d periodic jobs", len(_periodic))

    stop = threading.Event()
    threading.Thread(target=attempt, name="scheduler-leader", daemon=True).start()
    return stop
