"""`flask pharmacy ...`: maintenance of the doctors' signing keys."""
import click
from flask.cli import AppGroup

from core.extensions import db

pharmacy_cli = AppGroup("pharmacy", help="Prescriptions and pharmacies.")


@pharmacy_cli.command("rewrap-signing-keys")
def rewrap_signing_keys_command():
    """Seal every doctor's signing key under the current SECRET_KEY (after a change of SECRET_KEY, with the
    previous one in SECRET_KEY_FALLBACKS); exits 1 when a key opens with no configured secret."""
    from pharmacy import signing

    rewrapped, current, unopenable = signing.rewrap_keys()
    db.session.commit()
    click.echo(f"{rewrapped} keys sealed again under the current SECRET_KEY, {current} already were")
    if unopenable:
        click.echo(f"{len(unopenable)} keys open with no configured secret (SECRET_KEY_FALLBACKS is missing the "
                   f"one that sealed them): {', '.join(unopenable)}", err=True)
        raise SystemExit(1)


def init_app(app):
    app.cli.add_command(pharmacy_cli)
