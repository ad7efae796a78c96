"""The FHIR R4 REST API under /fhir (http://hl7.org/fhir/R4/http.html).

Layout: `router` (a table of tiny handlers, no Flask), `bundles` (searchset and history Bundles),
`transactions` (batch and transaction Bundles), `capability` (the CapabilityStatement), `outcome`
(OperationOutcome), `wire` (media types, base URL, rendering), `views` (the blueprint) and `fast_read` (the
successful reads and type searches, answered below Flask by the same router).
Nothing here is imported at package import time, so records.api may use the pure modules.
"""
from records.errors import FhirError


def render_records_error(error):
    """A records error escaping a domain's service call: OperationOutcome under /fhir, problem details
    on the app API (e.g. a booking that names a patient the store does not know -> 404)."""
    from core.errors import render_error

    code = {"not-found": "not_found", "forbidden": "forbidden", "deleted": "gone"}.get(
        error.code, "record_" + error.code.replace("-", "_"))
    return render_error(error.status, code, "Health record error", error.diagnostics)


def init_app(app):
    """Mount the /fhir blueprint, its OperationOutcome error rendering, the CLI and the records hooks."""
    from core.accounts import set_patient_identifier_sync, set_patient_record_factory
    from records import care, cli
    from records.fhir import views
    from records.patients import create_patient_record, sync_patient_identifier

    app.register_blueprint(views.bp)
    views.register_error_rendering(app)
    app.register_error_handler(FhirError, render_records_error)
    app.cli.add_command(cli.records_cli)
    set_patient_record_factory(create_patient_record)
    set_patient_identifier_sync(sync_patient_identifier)
    care.register()
