"""`flask seed ...`: demo data for people trying the service (grows with each domain)."""
import time

import click
from flask import current_app
from flask.cli import AppGroup

from core.extensions import db
from seeds import city, city_directory, demo

seed_cli = AppGroup("seed", help="Load demo or scale data.")


@seed_cli.command("demo")
def seed_demo():
    """Load the Ningbo Cloud Hospital demo data (idempotent: a second run changes nothing)."""
    if current_app.config["ENV"] == "production":
        # The demo accounts' passwords are printed here and in the README: anyone could log in with them.
        raise click.ClickException("seed demo refuses to run under CLOUD_HOSPITAL_ENV=production: the demo "
                                   "accounts' passwords are public. Create the first admin with "
                                   "`users create-admin` instead.")
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


@seed_cli.command("city")
@click.option("--patients", type=click.IntRange(min=1), required=True, help="Number of patients (e.g. 1000000).")
@click.option("--seed", "seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option("--pharmacies", type=click.IntRange(0, city_directory.MAX_PHARMACIES), default=None,
              help="Number of pharmacies (default: one per 250 patients, at most 10,000).")
@click.option("--batch", type=click.IntRange(min=1), default=200, show_default=True,
              help="Patients per batch (one transaction each).")
@click.option("--stop-after", type=click.IntRange(min=0), default=None,
              help="Stop after writing this many batches (a rerun resumes).")
def seed_city(patients, seed, pharmacies, batch, stop_after):
    """Generate a city: institutions, doctors, pharmacies and patients with FHIR histories (resumable)."""
    progress = city.run(patients, seed=seed, pharmacies=pharmacies, batch=batch, stop_after=stop_after)
    for line in city.report(progress):
        click.echo(line)


def init_app(app):
    """Register the seed commands."""
    app.cli.add_command(seed_cli)
