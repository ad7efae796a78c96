"""What home measurements plug into the app at start-up: the Observation view's claim."""


def init_app(app):
    from clinic.measurements import fhir

    fhir.register_view()
