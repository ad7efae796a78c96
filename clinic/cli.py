"""`flask clinic ...`: generate slots now, rewrite the FHIR views, drain the view outbox, publish the
packaged risk rules."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from core.extensions import db

clinic_cli = AppGroup("clinic", help="Directory, schedules and appointments.")


@clinic_cli.command("generate-slots")
@click.option("--days", type=int, default=None, help="Horizon in days (default CLINIC_SLOT_HORIZON_DAYS).")
def generate_slots_command(days):
    """Extend the generated slots to the horizon (what the daily job does)."""
    from clinic.scheduling import services as scheduling

    created = scheduling.generate_slots(horizon_days=days)
    db.session.commit()
    click.echo(f"{len(created)} new slots")


@clinic_cli.command("fhir-sync")
def fhir_sync_command():
    """Rewrite every FHIR view (Organization ... Appointment) from the clinic tables."""
    from clinic.appointments import Appointment
    from clinic.directory import Doctor, Institution
    from clinic.fhir_views import services as fhir_views
    from clinic.scheduling import Slot

    if not fhir_views.enabled():
        raise click.ClickException("FHIR sync is off (records not installed or CLINIC_FHIR_SYNC=False).")
    with click.progressbar(length=4, label="syncing") as bar:
        for inst in db.session.scalars(select(Institution)):
            fhir_views.sync_institution(inst)
        bar.update(1)
        for doctor in db.session.scalars(select(Doctor)):
            fhir_views.sync_doctor(doctor)
        bar.update(1)
        fhir_views.sync_slots_bulk(list(db.session.scalars(select(Slot))))
        bar.update(1)
        for appt in db.session.scalars(select(Appointment)):
            fhir_views.sync_appointment(appt)
        bar.update(1)
    db.session.commit()


@clinic_cli.command("drain-views")
def drain_views_command():
    """Write the FHIR views waiting in the outbox now (what clinic.drain_fhir_views does every second)."""
    from clinic.fhir_views import services as fhir_views

    click.echo(f"{fhir_views.drain_pending()} outbox rows drained")


@clinic_cli.command("publish-packaged-rules")
def publish_packaged_rules_command():
    """Publish the risk rules shipped with this release if their version was never published (after an upgrade)."""
    from clinic.risk import services as risk

    before = risk.active_version_row()
    row = risk.publish_packaged()
    db.session.commit()
    if row is None:
        click.echo(f"rule set {risk.active_version_row().version} stays active; the packaged version was published before")
    else:
        click.echo(f"published rule set {row.version} (was {before.version if before else 'the packaged default'};"
                   " earlier versions stay in the history)")


def init_app(app):
    """Register the clinic command group."""
    app.cli.add_command(clinic_cli)
