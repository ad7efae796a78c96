"""The `cloud-hospital` command of an installed service: every `flask` command of the app without
`--app` (`db upgrade`, `seed`, `users create-admin`, `scheduler run`, `clinic`, `records`, ...) and
`serve`, which runs gunicorn with the production settings (cloud_hospital.gunicorn_config).

A configuration error (core.config.ConfigError) ends any command with one line on stderr and exit
status 2, an unreachable database with one line and status 1: not a traceback.
"""
import os
import sys

import click
from flask.cli import FlaskGroup, ScriptInfo
from sqlalchemy.exc import OperationalError

from core.config import ConfigError

CONFIG_ERROR_STATUS = 2
DATABASE_ERROR_STATUS = 1
DEFAULT_BIND = "0.0.0.0:8000"
DEFAULT_THREADS = 64


def _create_app():
    from cloud_hospital.app import create_app

    return create_app()


def _refuse(exc):
    click.echo(f"cloud-hospital: configuration error: {exc}", err=True)
    sys.exit(CONFIG_ERROR_STATUS)


class ServiceGroup(FlaskGroup):
    """FlaskGroup whose app loading reports a configuration error in one line."""

    def get_command(self, ctx, name):
        try:
            return super().get_command(ctx, name)
        except ConfigError as exc:
            _refuse(exc)

    def list_commands(self, ctx):
        try:  # loaded once here; FlaskGroup would print a traceback for a failure
            ctx.ensure_object(ScriptInfo).load_app()
        except ConfigError as exc:
            _refuse(exc)
        return super().list_commands(ctx)


cli = ServiceGroup(name="cloud-hospital", create_app=_create_app, add_version_option=False,
                   help="Run the Cloud Hospital: `serve`, `scheduler run`, `db upgrade`, `users create-admin`, ...")


@cli.command("serve", with_appcontext=False, context_settings={"ignore_unknown_options": True})
@click.option("--bind", default=DEFAULT_BIND, show_default=True, help="Address:port to listen on.")
@click.option("--threads", type=click.IntRange(min=1), default=DEFAULT_THREADS, show_default=True,
              help="Threads of the worker; each open WebSocket holds one.")
@click.argument("gunicorn_options", nargs=-1, type=click.UNPROCESSED)
def serve(bind, threads, gunicorn_options):
    """Serve HTTP and Socket.IO with gunicorn: one gthread worker, JSON logs on stderr. Further options go
    to gunicorn as they are (e.g. --timeout 60)."""
    from cloud_hospital.app import create_app
    from core.extensions import db

    try:  # a configuration error now, in one line, rather than in a worker's traceback
        app = create_app({"SCHEDULER_AUTOSTART": False})
    except ConfigError as exc:
        _refuse(exc)
    with app.app_context():
        db.engine.dispose()
    argv = [sys.executable, "-m", "gunicorn", "--config", "python:cloud_hospital.gunicorn_config",
            "--bind", bind, "--threads", str(threads), *gunicorn_options, "cloud_hospital.wsgi:app"]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)  # gunicorn becomes this process: signals reach its master directly


def main():
    """Entry point of the `cloud-hospital` console script."""
    try:
        cli.main(prog_name="cloud-hospital")
    except OperationalError as exc:
        first_line = str(exc.orig or exc).strip().splitlines()[0]
        click.echo(f"cloud-hospital: database error (check DATABASE_URL): {first_line}", err=True)
        sys.exit(DATABASE_ERROR_STATUS)
