"""Where the domains plug into the app (cloud_hospital.app.create_app): their tables and their blueprints.

The domains are imported inside the functions, so they load when create_app gets here and in the order
they always have: periodic jobs, metrics and hooks register as their modules are imported.
"""
from core.extensions import api


def import_models():
    """Import every domain's tables so the metadata (and so migrations) knows them."""
    import clinic.appointments  # noqa: F401
    from billing import models as billing_models  # noqa: F401
    from billing.providers import sandbox_models  # noqa: F401
    import clinic.careplans  # noqa: F401
    import clinic.consult  # noqa: F401
    import clinic.directory  # noqa: F401
    import clinic.fhir_views  # noqa: F401
    import clinic.inspections  # noqa: F401
    import clinic.measurements  # noqa: F401
    import clinic.notifications  # noqa: F401
    import clinic.nursing  # noqa: F401
    import clinic.risk  # noqa: F401
    import clinic.scheduling  # noqa: F401
    from compliance import models as compliance_models  # noqa: F401
    from core import models  # noqa: F401
    from pharmacy import models as pharmacy_models  # noqa: F401
    from records import models as records_models  # noqa: F401
    from smart import models as smart_models  # noqa: F401


def check_data():
    """Check the data files the domains ship (the pharmacy catalogue) before anything is bound: a bad file is a
    ConfigError and no extension is left half set up."""
    from pharmacy import services as pharmacy_services

    pharmacy_services.check_catalogue()


def register_blueprints(app):
    """Mount each feature's blueprint (the domains are imported here, never the reverse)."""
    import clinic
    import consoles
    from billing import admin_views as billing_admin
    from billing import services as billing_services
    from billing import views as billing_views
    from compliance import wiring as compliance_wiring
    from core import docs
    from core.views import admin, auth, id_claims, registration
    from pharmacy import services as pharmacy_services
    from pharmacy.views import medicines
    from pharmacy.views import orders as pharmacy_orders
    from pharmacy.views import pharmacies, prescriptions
    from records import fhir as records_fhir

    api.register_blueprint(registration.bp)
    api.register_blueprint(auth.bp)
    api.register_blueprint(id_claims.bp)
    api.register_blueprint(admin.bp)
    billing_services.init_app(app)  # settings, the sandbox provider, the periodic jobs
    api.register_blueprint(billing_views.bp)
    api.register_blueprint(billing_admin.bp)
    if billing_services.cashier_blueprint(app) is not None:  # the sandbox's cashier (not in production)
        app.register_blueprint(billing_services.cashier_blueprint(app))
    pharmacy_services.init_app(app)
    api.register_blueprint(prescriptions.bp)
    api.register_blueprint(pharmacy_orders.bp)
    api.register_blueprint(pharmacies.bp)
    api.register_blueprint(medicines.bp)
    clinic.init_app(app)  # config defaults, care relationships, the /consult namespace, jobs, CLI
    for bp in clinic.blueprints():
        api.register_blueprint(bp)
    app.register_blueprint(docs.bp)
    compliance_wiring.init_app(app)  # the supervision feed's sink, holds' deletion guard, jobs
    for bp in compliance_wiring.blueprints():
        api.register_blueprint(bp)
    records_fhir.init_app(app)  # /fhir, its OperationOutcome errors, `flask records`, the Patient factory
    consoles.init_app(app)  # the demo web consoles under /app: clients of the public API only
    import smart

    smart.init_app(app)  # SMART on FHIR: /oauth, discovery, the scoped-token resolver, `flask smart`
    for bp in smart.blueprints():
        api.register_blueprint(bp)
