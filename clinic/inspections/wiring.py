"""What inspections plug into the app at start-up: the claims on their FHIR views."""


def init_app(app):
    from clinic.inspections import fhir

    fhir.register_views()
