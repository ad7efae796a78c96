"""`flask seed ...`: demo data for people trying the service (grows with each domain)."""
import time

import click
from flask.cli import AppGroup

from core.extensions import db
from seeds import demo

seed_cli = AppGroup("seed", help="Load demo or scale data.")


@seed_cli.command("demo")
def seed_demo():
    """Load the Ningbo Cloud Hospital demo data (idempotent: a second run changes nothing)."""
    started = time.perf_counter()
    created = demo.load()
    db.session.commit()
    click.echo(f"demo data ready in {time.perf_counter() - started:.1f}s ({created} new records)")
    click.echo("demo accounts (username / password):")
    for role, username, password in demo.DEMO_ACCOUNTS_TABLE:
        click.echo(f"  {role:<11} {username:<16} {password}")


@seed_cli.command("scenario")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True, help="The running service's root URL.")
def seed_scenario(base_url):
    """Drive the whole patient journey against a running service, as the apps do (exit 1 on a failed step)."""
    from seeds.scenario import run

    click.get_current_context().exit(run(base_url))


def init_app(app):
    """Register the seed commands."""
    app.cli.add_command(seed_cli)
