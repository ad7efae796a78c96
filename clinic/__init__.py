"""Patient-facing workflows: directory, schedules and slots, booking, queue, reminders, waitlist
(and the pure risk engine in clinic.risk). `init_app` wires the clinic into the app at start-up."""
from core.config import setting_from_env

DEFAULTS = {
    "CLINIC_SLOT_HORIZON_DAYS": 14,  # how far ahead slots are generated
    "CLINIC_CANCEL_CUTOFF_MINUTES": 120,  # patients cannot cancel or reschedule later than this before the start
    "CLINIC_MAX_APPOINTMENTS_PER_DAY": 3,  # active appointments per patient per local day
    "CLINIC_CHECKIN_OPENS_MINUTES": 60,  # check-in opens this long before the start
    "CLINIC_NOSHOW_GRACE_MINUTES": 30,  # not checked in this long after the start: noshow
    "CLINIC_WAITLIST_HOLD_MINUTES": 15,  # how long a freed place is held for a waitlisted patient
    "CLINIC_REMINDER_MINUTES": (24 * 60, 60),  # reminders this long before the start
    "CLINIC_FHIR_SYNC": True,
    # Drain the FHIR view outbox in this process right after each booking's response (clinic.view_drainer);
    # off, the views follow within a second or so from the scheduler's clinic.drain_fhir_views.
    "CLINIC_FHIR_VIEW_DRAINER": True,
    "CLINIC_FHIR_VIEW_GATHER_MS": 0,  # delay before each in-process drain (a test holds it to kill the server)
}


def init_app(app):
    """Config defaults, care relationships, the /consult namespace, periodic jobs and CLI."""
    from clinic import (access, cli, consult_link, eligibility, fhir_sync, jobs, metrics, models,  # noqa: F401
                        pharmacy_link, realtime, view_drainer)

    for key, value in DEFAULTS.items():
        if key not in app.config:
            app.config[key] = setting_from_env(key, value)
    access.register()
    eligibility.register()
    pharmacy_link.register()
    consult_link.register()
    fhir_sync.register_views()
    realtime.init_app(app)
    view_drainer.init_app(app)
    cli.init_app(app)


def blueprints():
    """The clinic's API blueprints."""
    from clinic.views import BLUEPRINTS

    return BLUEPRINTS
