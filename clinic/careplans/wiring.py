"""What care plans plug into the app at start-up: the doctor's care relationship, the CarePlan view, the job."""


def init_app(app):
    from clinic.careplans import access, fhir, jobs  # noqa: F401  (jobs: registers the invitation sweep)

    access.register()
    fhir.register_view()
