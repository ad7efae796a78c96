"""Timed work: one leader at a time, jobs run in an app context and commit, nothing starts in tests."""
import pytest
from sqlalchemy import func, select

from core import scheduler
from core.extensions import db
from core.models import LoginAttempt


def test_only_one_process_can_be_the_leader(app):
    first, second = scheduler.LeaderLock(app), scheduler.LeaderLock(app)
    try:
        assert first.try_acquire() is True
        assert second.try_acquire() is False
        first.release()
        assert second.try_acquire() is True  # a standby takes over when the leader goes
    finally:
        first.release()
        second.release()


def test_a_registered_job_runs_and_commits(app):
    calls = []

    @scheduler.register_periodic("test.purge-attempts", seconds=60)
    def purge():
        from core.ratelimit import purge_old_attempts
        calls.append(purge_old_attempts())

    try:
        scheduler.run_job(app, "test.purge-attempts")
        assert calls == [0]
        assert "test.purge-attempts" in scheduler.periodic_jobs()
    finally:
        scheduler._periodic.pop("test.purge-attempts", None)


def test_a_failing_job_rolls_back(app):
    @scheduler.register_periodic("test.fails", seconds=60)
    def fails():
        db.session.add(LoginAttempt(key="x", at=__import__("core.clock").clock.now()))
        db.session.flush()
        raise RuntimeError("boom")

    try:
        with pytest.raises(RuntimeError):
            scheduler.run_job(app, "test.fails")
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
    finally:
        scheduler._periodic.pop("test.fails", None)


def test_scheduler_is_not_started_in_tests(app):
    assert "scheduler" not in app.extensions


def test_a_stored_job_no_code_registers_is_dropped(app):
    """A renamed job (clinic.purge_idempotency_keys became core.purge_idempotency_keys) must not stay in the
    job store failing every hour."""
    built = scheduler.build_scheduler(app)
    built.add_job("core.scheduler:run_registered", "interval", seconds=3600, id="clinic.retired", args=["clinic.retired"])
    built.start(paused=True)
    try:
        assert "clinic.retired" in {job.id for job in built.get_jobs()}
        scheduler.drop_retired_jobs(built)
        ids = {job.id for job in built.get_jobs()}
        assert "clinic.retired" not in ids
        assert {"core.purge_idempotency_keys", "core.purge_login_attempts"} <= ids
    finally:
        built.shutdown(wait=False)


def test_old_login_attempts_are_purged_by_the_kernel_sweep(app):
    from datetime import timedelta

    from core import clock, jobs

    with app.app_context():
        window = timedelta(seconds=app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
        db.session.add_all([LoginAttempt(key="acct:old", at=clock.now() - window - timedelta(seconds=1)),
                            LoginAttempt(key="acct:new", at=clock.now())])
        db.session.commit()
        assert jobs.purge_login_attempts() == 1
        db.session.commit()
        assert db.session.scalars(select(LoginAttempt.key)).all() == ["acct:new"]
