"""Start-up wiring of risk control (called from create_app)."""
from clinic.risk import consent_fhir, consents


def init_app(app):
    """Mirror consents into the FHIR record (a derived view the FHIR API may not write)."""
    consents.on_consent_change(consent_fhir.write_consent)
    consent_fhir.register_view()
