"""Kernel CLI commands: `flask users create-admin`, `flask scheduler run`."""
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup
from prometheus_client import start_http_server

from core import accounts, metrics, scheduler
from core.errors import ApiError
from core.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")
scheduler_cli = AppGroup("scheduler", help="Run timed work.")


@users_cli.command("create-admin")
@click.option("--username", required=True)
# Asked for when not given: a password on the command line stays in the shell history.
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="Administrator")
def create_admin(username, password, name):
    """Create an admin account (the first one cannot be created through the API)."""
    try:
        user = accounts.create_staff("admin", username, password, name)
    except ApiError as exc:
        db.session.rollback()
        errors = exc.extra.get("errors") or []
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or exc.detail
        raise click.ClickException(detail) from None
    db.session.commit()
    click.echo(f"admin {user.username} created (id {user.id})")


@scheduler_cli.command("run")
@click.option("--metrics-port", type=click.IntRange(1, 65535), default=None,
              help="Serve this process's job metrics (runs, failures) at http://HOST:PORT/metrics for Prometheus.")
@click.option("--metrics-host", default="127.0.0.1", show_default=True, help="Address for --metrics-port.")
def run_scheduler(metrics_port, metrics_host):
    """Run the scheduled jobs in this process (waits for the leader lock if another process holds it)."""
    app = current_app._get_current_object()
    if metrics_port:
        # The web processes' /metrics does not see jobs run in this process.
        start_http_server(metrics_port, addr=metrics_host, registry=metrics.process_registry())
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    stop = scheduler.start_when_leader(app)
    click.echo("scheduler waiting for the leader lock; Ctrl-C to stop")
    done.wait()
    stop.set()
    running = app.extensions.get("scheduler")
    if running:
        running.shutdown(wait=True)


def init_app(app):
    """Register the kernel's command groups."""
    app.cli.add_command(users_cli)
    app.cli.add_command(scheduler_cli)
