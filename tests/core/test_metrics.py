"""Domain metrics (core.metrics): counted on commit only, scrape-time gauges, one exposition under
multi-process gunicorn, and the scheduler's runs and failures."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from prometheus_client.core import GaugeMetricFamily

from core import metrics, scheduler
from core.extensions import db
from tests.metrics import scrape, value

ROOT = Path(__file__).resolve().parents[2]
TEST_COUNTER = metrics.counter("cloud_hospital_test_events", "Events of the metrics tests", ["kind"])


def test_the_content_type_names_one_charset(client):
    content_type = client.get("/metrics").headers["Content-Type"]
    assert content_type.startswith("text/plain; version=") and content_type.count("charset") == 1


def test_an_event_counts_when_its_transaction_commits_and_not_when_it_rolls_back(app, client):
    before = value(scrape(client), "cloud_hospital_test_events_total", kind="x")
    with app.app_context():
        metrics.count_after_commit(TEST_COUNTER, kind="x")
        assert value(scrape(client), "cloud_hospital_test_events_total", kind="x") == before  # not yet
        db.session.commit()
        metrics.count_after_commit(TEST_COUNTER, amount=5, kind="x")
        db.session.rollback()
        db.session.commit()  # a later commit does not bring back what the rollback dropped
    assert value(scrape(client), "cloud_hospital_test_events_total", kind="x") == before + 1


def test_a_savepoint_rollback_keeps_the_outer_transactions_events(app, client):
    before = value(scrape(client), "cloud_hospital_test_events_total", kind="outer")
    with app.app_context():
        metrics.count_after_commit(TEST_COUNTER, kind="outer")
        savepoint = db.session.begin_nested()
        savepoint.rollback()
        db.session.commit()
    assert value(scrape(client), "cloud_hospital_test_events_total", kind="outer") == before + 1


def test_a_failing_scrape_source_leaves_the_others(client):
    @metrics.scrape_gauges
    def broken():
        raise RuntimeError("the database is down")
        yield  # pragma: no cover

    try:
        samples = scrape(client)
    finally:
        metrics._scrape_sources.remove(broken)
    assert ("cloud_hospital_prescriptions", frozenset({("state", "approved")})) in samples
    assert value(samples, "http_requests_total", method="GET", endpoint="/metrics", status="200") >= 0


def test_scrape_time_gauges_are_computed_at_each_scrape(client):
    level = [3]

    @metrics.scrape_gauges
    def level_now():
        yield GaugeMetricFamily("cloud_hospital_test_level", "A level read at scrape time", value=level[0])

    try:
        assert value(scrape(client), "cloud_hospital_test_level") == 3
        level[0] = 7
        assert value(scrape(client), "cloud_hospital_test_level") == 7
    finally:
        metrics._scrape_sources.remove(level_now)


def test_scheduled_job_runs_and_failures_are_counted_per_job(app, client):
    @scheduler.register_periodic("test.metrics-ok", seconds=60)
    def fine():
        return 2

    @scheduler.register_periodic("test.metrics-fails", seconds=60)
    def fails():
        raise RuntimeError("boom")

    try:
        before = scrape(client)
        assert scheduler.run_job(app, "test.metrics-ok") == 2
        with pytest.raises(RuntimeError):
            scheduler.run_job(app, "test.metrics-fails")
        after = scrape(client)
    finally:
        scheduler._periodic.pop("test.metrics-ok", None)
        scheduler._periodic.pop("test.metrics-fails", None)

    def delta(name, job):
        return value(after, name, job=job) - value(before, name, job=job)

    assert delta("cloud_hospital_scheduled_job_runs_total", "test.metrics-ok") == 1
    assert delta("cloud_hospital_scheduled_job_failures_total", "test.metrics-ok") == 0
    assert delta("cloud_hospital_scheduled_job_runs_total", "test.metrics-fails") == 1
    assert delta("cloud_hospital_scheduled_job_failures_total", "test.metrics-fails") == 1


def test_the_scheduler_process_serves_its_job_metrics_without_the_database():
    from prometheus_client import generate_latest

    text = generate_latest(metrics.process_registry()).decode()
    assert "cloud_hospital_scheduled_job_runs_total" in text
    assert "cloud_hospital_prescriptions" not in text  # scrape-time gauges need the database


COUNT_IN_ONE_WORKER = """
from clinic.appointments.metrics import BOOKINGS
from clinic.realtime.metrics import SOCKETIO_CONNECTIONS
BOOKINGS.labels(kind="online", channel="app").inc()
SOCKETIO_CONNECTIONS.inc()
"""
SCRAPE = """
import os
from flask_migrate import upgrade
from cloud_hospital.app import create_app
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.environ["INSTANCE_PATH"] + "/m.db"})
with app.app_context():
    upgrade()
print(app.test_client().get("/metrics").get_data(as_text=True))
"""


@pytest.mark.slow
def test_under_multiprocess_gunicorn_the_workers_counts_are_summed_once(tmp_path):
    """Two worker processes count; a third answers /metrics: every family once, the counts summed."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"), "INSTANCE_PATH": str(tmp_path)}
    env.pop("TEST_DATABASE_URL", None)
    (tmp_path / "prom").mkdir()

    def python(code):
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    python(COUNT_IN_ONE_WORKER)
    python(COUNT_IN_ONE_WORKER)
    from prometheus_client.parser import text_string_to_metric_families

    families = list(text_string_to_metric_families(python(SCRAPE)))
    names = [f.name for f in families]
    assert len(names) == len(set(names)), "a metric family is exposed twice"
    samples = {(s.name, frozenset(s.labels.items())): s.value for f in families for s in f.samples}
    assert value(samples, "cloud_hospital_bookings_total", kind="online", channel="app") == 2
    assert value(samples, "cloud_hospital_socketio_connections") == 2  # live gauges: summed (until marked dead)
    assert ("cloud_hospital_consultations_open", frozenset({("state", "active")})) in samples


def test_a_dead_workers_live_gauge_leaves_the_sum(tmp_path, monkeypatch):
    from cloud_hospital import gunicorn_config

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    (tmp_path / "gauge_livesum_4343.db").write_bytes(b"")
    gunicorn_config.child_exit(None, type("Worker", (), {"pid": 4242})())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gauge_livesum_4343.db"]
