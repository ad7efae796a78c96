"""Shared set-up for the records benchmarks: an app on the given database, migrated, records emptied."""
import os
import tempfile

from sqlalchemy import text


def make_app(database_url):
    """A migrated app bound to `database_url` (PostgreSQL recommended)."""
    from flask_migrate import upgrade

    from cloud_hospital.app import create_app

    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="records-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None,
                      "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789"})
    with app.app_context():
        upgrade()
    return app


def empty_records(app):
    """Remove every stored resource (index rows go with them)."""
    from core.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("TRUNCATE fhir_resources, fhir_idx_string, fhir_idx_token, fhir_idx_reference, "
                                    "fhir_idx_date, fhir_idx_quantity CASCADE"))
        else:
            for table in ("fhir_idx_string", "fhir_idx_token", "fhir_idx_reference", "fhir_idx_date",
                          "fhir_idx_quantity", "fhir_compartment", "fhir_resource_versions", "fhir_resources"):
                db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()


def ingest(app, resources, batch=100, progress=None):
    """Store `resources` through records.store in transactions of `batch`; returns (count, seconds)."""
    import time

    from core.extensions import db
    from records import store

    done, started, chunk = 0, time.perf_counter(), []
    with app.app_context():
        for resource in resources:
            chunk.append(resource)
            if len(chunk) == batch:
                store.create_resources(chunk, resource_ids=[r["id"] for r in chunk])
                db.session.commit()
                done += len(chunk)
                chunk = []
                if progress and done % progress == 0:
                    rate = done / (time.perf_counter() - started)
                    print(f"  {done} stored, {rate:,.0f}/s", flush=True)
        if chunk:
            store.create_resources(chunk, resource_ids=[r["id"] for r in chunk])
            db.session.commit()
            done += len(chunk)
    return done, time.perf_counter() - started


class NoPhoneGateway:
    """SMS_GATEWAY of the benchmarks, which run as production (which refuses the development gateways) but
    send no text message: one that refuses to send, so a benchmark that texted would fail loudly."""

    def __init__(self, config):
        self.config = config

    def send(self, phone, text):
        from core.sms import SmsError

        raise SmsError("the benchmarks send no text message")


BENCH_SMS_GATEWAY = "bench._common:NoPhoneGateway"
