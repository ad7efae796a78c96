"""What compliance plugs into the app at start-up: settings, the feed's sink, periodic jobs, blueprints."""
from core import reporting
from core.config import setting_from_env

SETTINGS = {  # name -> default; each may be set in the environment
    "SUPERVISION_PUSH_MAX_ATTEMPTS": 8,  # failed tries before a delivery is a dead letter
    "SUPERVISION_PUSH_BACKOFF_SECONDS": 10,  # first retry after this, doubling each time
    "SUPERVISION_PUSH_TIMEOUT_SECONDS": 10,
    "SUPERVISION_ALLOW_PRIVATE_ENDPOINTS": False,  # loopback/private receivers (tests, a local relay)
}


def init_app(app):
    """Install the feed's sink and the settings (called by cloud_hospital.domains)."""
    from compliance import feed, holds, jobs  # noqa: F401  (jobs: registers the push)
    from records import api as records

    for name, default in SETTINGS.items():
        app.config.setdefault(name, setting_from_env(name, default))
    reporting.install_sink(feed.write_events)
    records.register_deletion_guard(holds.deletion_refusal)


def blueprints():
    """The compliance API's blueprints."""
    from compliance import endpoint_views, hold_views, retention_views, views

    return [views.bp, endpoint_views.bp, hold_views.bp, retention_views.bp]
