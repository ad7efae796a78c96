"""`flask smart`: register and list SMART clients from the command line."""
import json

import click
from flask.cli import with_appcontext

from core.extensions import db
from smart import clients
from smart.models import AUTH_METHODS


@click.group("smart")
def smart_cli():
    """SMART on FHIR clients."""


@smart_cli.command("register-client")
@click.option("--name", required=True)
@click.option("--auth-method", type=click.Choice(AUTH_METHODS), default="none", show_default=True)
@click.option("--scope", required=True, help="e.g. 'launch/patient offline_access patient/*.rs'")
@click.option("--redirect-uri", "redirect_uris", multiple=True)
@click.option("--jwks-file", type=click.File("r"), help="a backend's public keys (JWKS JSON)")
@with_appcontext
def register_client(name, auth_method, scope, redirect_uris, jwks_file):
    """Register a client and print its id (and its secret, shown this once)."""
    from core.errors import ApiError

    try:
        row, secret = clients.register_client(name, auth_method, scope, redirect_uris,
                                              json.load(jwks_file) if jwks_file else None)
    except ApiError as exc:
        raise click.ClickException(json.dumps(exc.extra.get("errors") or exc.detail)) from None
    db.session.commit()
    click.echo(json.dumps({"client_id": row.client_id, "client_secret": secret}))


@smart_cli.command("list-clients")
@with_appcontext
def list_clients():
    """Print the registered clients, one JSON line each."""
    for row in clients.list_clients():
        click.echo(json.dumps({"client_id": row.client_id, "name": row.name, "auth_method": row.auth_method,
                               "scope": row.scope, "active": row.is_active}))
