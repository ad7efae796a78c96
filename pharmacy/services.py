"""The pharmacy service API: what other domains (clinic) and create_app may call.

Hooks clinic installs at start-up (see pharmacy.hooks for the contracts and the defaults):

    set_prescribe_check(fn)         fn(actor, patient_id, items, context) -> {decision, reasons, ruleset_version}
    set_consultation_resolver(fn)   fn(actor, consultation_id) -> {patient_id, practitioner_id, encounter_ref}
    set_notifier(fn)                fn(event, recipients, payload)

Service functions take the acting core.auth.Actor first, flush and never commit.
"""
from core import accounts
from core.config import ConfigError, setting_from_env
from core.extensions import db
from pharmacy import access, billing_link, catalogue, hooks
from pharmacy.models import Pharmacy
from pharmacy.chain import prescription_chain  # noqa: F401
from pharmacy.orders import cancel_order, read_order, request_fulfilment, retry_order  # noqa: F401
from pharmacy.prescriptions import issue_prescription, read_prescription, verify_prescription  # noqa: F401
from pharmacy.review import review_prescription  # noqa: F401

SETTINGS = {  # name -> default; each may be set in the environment
    "PHARMACY_OFFER_TTL_SECONDS": 900,  # how long a pharmacy has to accept an offer
    "PHARMACY_PICKUP_WINDOW_MINUTES": 60,  # pickup may go to a pharmacy that opens within this window
    "PHARMACY_SEARCH_RADIUS_KM": 30.0,  # no pharmacy farther than this is offered an order
}


def set_prescribe_check(fn):
    """Install the prescribe checkpoint (clinic: the risk engine); None restores pharmacy's default."""
    hooks.install("prescribe_check", fn)


def set_consultation_resolver(fn):
    """Install the consultation resolver (clinic); None restores the default, which refuses every consultation."""
    hooks.install("consultation_resolver", fn)


def set_notifier(fn):
    """Install the notifier (clinic: inbox + Socket.IO); None restores the default (log only)."""
    hooks.install("notifier", fn)


def pharmacy_exists(pharmacy_id):
    """True when a pharmacy (cooperating or the platform's review desk) has this id: staff links check it."""
    return db.session.get(Pharmacy, pharmacy_id) is not None


def check_catalogue():
    """Load and check the shipped catalogue (create_app, first): a bad one is a ConfigError naming the file,
    the entry and the field, so the service does not start with a review that would skip a check."""
    try:
        catalogue.check()
    except catalogue.CatalogueError as exc:
        raise ConfigError(str(exc)) from None


def init_app(app):
    """Settings, relationship providers and the periodic sweep (called by create_app)."""
    from pharmacy import cli, fhir_sync, metrics, sweeps  # noqa: F401  (the periodic job, the scrape-time gauges)

    for name, default in SETTINGS.items():
        app.config.setdefault(name, setting_from_env(name, default))
    access.register()
    billing_link.register(cancel_order)
    accounts.register_link_target("pharmacy", pharmacy_exists)
    fhir_sync.register_views()
    cli.init_app(app)
