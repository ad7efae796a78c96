"""What home nursing plugs into the app at start-up: its FHIR views' claims, the safety sweep, and the nurse's
read access to the records of the patients they visit."""


def init_app(app):
    from clinic.nursing import access, fhir, jobs  # noqa: F401  (jobs: registers the overdue sweep)

    access.register()
    fhir.register_views()
