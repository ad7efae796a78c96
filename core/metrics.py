"""Domain metrics for Prometheus, exposed by /metrics (core.observability) beside the HTTP metrics.

- Counters (`counter`) are declared once per process at module level in the domain that owns the event
  and incremented there; `count_after_commit` counts an event of the current transaction only when it
  commits (a booking that was rolled back was never made).
- Live gauges (`live_gauge`) move up and down in one process (open Socket.IO connections).
- Scrape-time gauges (`@scrape_gauges`) are computed when /metrics is read, with cheap indexed COUNTs in
  the scraping request's app context: the database holds the truth, so nothing drifts or needs summing.

Under PROMETHEUS_MULTIPROC_DIR (several gunicorn workers) prometheus_client keeps counter and gauge
values in files that the scrape sums over the workers (live gauges: over the live ones only);
scrape-time gauges come from the one process that answers.
"""
import logging
import os

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.extensions import db

log = logging.getLogger(__name__)
_PENDING = "metrics_after_commit"
_declared = []  # this process's counters and live gauges
_scrape_sources = []  # functions returning metric families computed now


def multiprocess_mode():
    """True under multi-process gunicorn (values in PROMETHEUS_MULTIPROC_DIR, summed at scrape time)."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def counter(name, documentation, labelnames=()):
    """Declare a process-wide counter (call once, at module level)."""
    metric = Counter(name, documentation, labelnames, registry=None)
    _declared.append(metric)
    return metric


def live_gauge(name, documentation, labelnames=()):
    """Declare a process-wide gauge this process moves up and down; summed over live workers."""
    metric = Gauge(name, documentation, labelnames, registry=None, multiprocess_mode="livesum")
    _declared.append(metric)
    return metric


def scrape_gauges(fn):
    """Decorator: `fn()` returns prometheus metric families computed now from the database."""
    _scrape_sources.append(fn)
    return fn


def count_after_commit(metric, amount=1, **labels):
    """Add `amount` to `metric` (with `labels`) once the current transaction commits; nothing on rollback."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # else a rollback with nothing to undo fires no event, and the next commit would count
    session.info.setdefault(_PENDING, []).append((metric, labels, amount))


def _apply_counts(session):
    for metric, labels, amount in session.info.pop(_PENDING, ()):
        (metric.labels(**labels) if labels else metric).inc(amount)


def _drop_counts(session, previous_transaction):
    if not previous_transaction.nested:  # a savepoint's rollback leaves the outer transaction's events
        session.info.pop(_PENDING, None)


class DeclaredMetrics(Collector):
    """This process's counters and live gauges, for a single-process app's registry."""

    def collect(self):
        for metric in list(_declared):
            yield from metric.collect()


class ScrapeTimeGauges(Collector):
    """The registered scrape-time gauges; a source that fails is logged and left out, the others still answer."""

    def collect(self):
        for source in list(_scrape_sources):
            try:
                families = list(source())
            except Exception:  # e.g. the database is down: /readyz says so, /metrics still serves the rest
                db.session.rollback()
                log.warning("metrics source %s failed", source.__qualname__, exc_info=True)
                continue
            yield from families


def process_registry():
    """A registry of this process's counters and live gauges only (no database work): for a process without
    /metrics of its own, such as `scheduler run --metrics-port`."""
    registry = CollectorRegistry()
    if multiprocess_mode():
        from prometheus_client import multiprocess
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(DeclaredMetrics())
    return registry


def register(registry):
    """Add the domain metrics to an app's registry; install the commit hooks (once per process)."""
    if not event.contains(Session, "after_commit", _apply_counts):
        event.listen(Session, "after_commit", _apply_counts)
        event.listen(Session, "after_soft_rollback", _drop_counts)
    if not multiprocess_mode():  # else the registry's MultiProcessCollector reads them from the files
        registry.register(DeclaredMetrics())
    registry.register(ScrapeTimeGauges())
