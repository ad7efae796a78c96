"""The deployable service: the WSGI entry point (`cloud_hospital.wsgi:app`), the `cloud-hospital` command
(cloud_hospital.cli), gunicorn's settings and the database migrations. They live inside the package so
an installed wheel works from any directory, as the source checkout does."""
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
