"""The clinic: patient-facing workflows as capability packages (directory, scheduling, appointments,
notifications, realtime, consult, risk, reports, fhir_views, careplans, measurements, inspections,
nursing). `init_app` wires them into the app at start-up and `blueprints` lists their API;
docs/ARCHITECTURE.md shows the layout and its rules."""
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
    # Drain the FHIR view outbox in this process right after each booking's response (clinic.fhir_views.drainer);
    # off, the views follow within a second or so from the scheduler's clinic.drain_fhir_views.
    "CLINIC_FHIR_VIEW_DRAINER": True,
    "CLINIC_FHIR_VIEW_GATHER_MS": 0,  # delay before each in-process drain (a test holds it to kill the server)
    "CARE_INVITE_DAYS_BEFORE": 7,  # a care plan's follow-up visit is proposed and invited this long before it is due
    "CARE_VISIT_GRACE_DAYS": 7,  # a follow-up not attended this long after its due date is missed
    "CARE_NURSING_RADIUS_KM": 30,  # home visits reach this far from the nearest institution with nurses
    "CARE_NURSING_BOOK_AHEAD_DAYS": 14,  # a home-visit window starts at most this far ahead
    "CARE_NURSING_ORDER_VALID_DAYS": 30,  # a doctor's order of a home service is usable this long
    "CARE_NURSING_CHECKOUT_GRACE_MINUTES": 60,  # not checked out this long after the planned end: alert
}


def init_app(app):
    """Config defaults, care relationships, the /consult namespace, periodic jobs and CLI."""
    from clinic import cli
    from clinic.appointments import wiring as appointments
    from clinic.careplans import wiring as careplans
    from clinic.consult import services as consult
    from clinic.consult import wiring as consult_wiring
    from clinic.directory import wiring as directory
    from clinic.fhir_views import wiring as fhir_views
    from clinic.inspections import wiring as inspections
    from clinic.measurements import wiring as measurements
    from clinic.nursing import wiring as nursing
    from clinic.realtime import services as realtime
    from clinic.risk import wiring as risk
    from clinic.scheduling import jobs  # noqa: F401  (registers the slot horizon job)

    for key, value in DEFAULTS.items():
        if key not in app.config:
            app.config[key] = setting_from_env(key, value)
    risk.init_app(app)
    directory.init_app(app)
    appointments.init_app(app)
    fhir_views.init_app(app)
    realtime.init_app(app, namespace_class=consult.ConsultNamespace)
    consult_wiring.init_app(app)
    careplans.init_app(app)
    measurements.init_app(app)
    inspections.init_app(app)
    nursing.init_app(app)
    cli.init_app(app)


def blueprints():
    """The clinic's API blueprints, one per resource."""
    from clinic.appointments import views as appointments
    from clinic.appointments import waitlist_views as waitlist
    from clinic.careplans import views as careplans
    from clinic.consult import views as consult
    from clinic.directory import views as directory
    from clinic.inspections import views as inspections
    from clinic.measurements import views as measurements
    from clinic.notifications import views as notifications
    from clinic.nursing import views as nursing
    from clinic.reports import views as reports
    from clinic.risk import views as risk
    from clinic.scheduling import slot_views as slots
    from clinic.scheduling import views as schedules

    return [risk.bp, directory.bp, slots.bp, schedules.bp, appointments.bp, waitlist.bp, notifications.bp,
            reports.bp, consult.bp, careplans.bp, careplans.reports_bp, measurements.bp,
            inspections.bp, inspections.results_bp, nursing.bp]
