"""`flask consult ...`: set-up of the consulting rooms."""
import click
from flask.cli import AppGroup

from clinic.consult import rooms
from core.extensions import db

consult_cli = AppGroup("consult", help="Cloud consulting rooms.")


@consult_cli.command("seed-rooms")
@click.option("--prefix", default="ningbo", show_default=True, help="Prefix of the room codes.")
@click.option("--institution-id", default=None, help="The institution owning the rooms (default: the platform).")
@click.option("--organization-id", default=None, help="FHIR Organization recorded as Encounter.serviceProvider.")
def seed_rooms(prefix, institution_id, organization_id):
    """Create the four demo rooms (hypertension, diabetes, psychology, general medicine) if missing."""
    created = rooms.seed_rooms(prefix, institution_id, organization_id)
    db.session.commit()
    click.echo(f"{created} consulting rooms created")


@consult_cli.command("create-room")
@click.argument("code")
@click.argument("name")
@click.argument("clinic")
@click.option("--institution-id", default=None)
@click.option("--organization-id", default=None)
def create_room(code, name, clinic, institution_id, organization_id):
    """Create one consulting room (rooms are configurable per institution or for the platform)."""
    room = rooms.create_room(code, name, clinic, institution_id, organization_id)
    db.session.commit()
    click.echo(room.id)


def init_app(app):
    """Register the commands."""
    app.cli.add_command(consult_cli)
