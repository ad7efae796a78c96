from tests.clinic.careplans.conftest import team  # noqa: F401  (the shared fixture)
