"""Bulk load of bench/search_scale.py: the city's patient histories (`seeds.fhir_generator.patient_history`,
the data of `flask seed city`) through records.store in worker processes, one transaction per batch.

The fast path of bench/records_ingest.py (validation, index and compartment rows, COPY; no audit entry and
no directory), resumable like `flask seed city`: a batch writes only its patients that are not stored yet,
so a rerun after Ctrl-C or with a larger --patients completes the city without duplicating anyone.
"""
import multiprocessing
import time

from bench._common import make_app
from seeds import fhir_generator

SEED = 1


def _batch_resources(numbers):
    """The histories of the patients among `numbers` that are not stored yet."""
    from records import store

    ids = {n: fhir_generator.city_patient_id(SEED, n) for n in numbers}
    stored = store._existing({("Patient", pid) for pid in ids.values()})
    return [r for n in numbers if ("Patient", ids[n]) not in stored
            for r in fhir_generator.patient_history(SEED, n)]


def _work(database_url, start, patients, batch, workers, worker, queue):
    from core.extensions import db
    from records import store

    app, written, cpu = make_app(database_url), 0, time.process_time()
    with app.app_context():
        for index, first in enumerate(range(start, patients, batch)):
            if index % workers != worker:
                continue
            resources = _batch_resources(range(first, min(patients, first + batch)))
            if resources:
                store.create_resources(resources, resource_ids=[r["id"] for r in resources])
            db.session.commit()
            written += len(resources)
    queue.put((written, time.process_time() - cpu))


def stored_patients(app):
    """How many city Patients are stored (the bench asks before loading)."""
    from sqlalchemy import text

    from core.extensions import db

    with app.app_context():
        return db.session.execute(text("SELECT count(*) FROM fhir_resources WHERE resource_type = 'Patient' "
                                       "AND id LIKE :prefix"), {"prefix": f"pat-c{SEED}-%"}).scalar()


def load(database_url, patients, batch=200, workers=2, start=0):
    """Store patients [start, patients) that are missing; returns (resources written, seconds, CPU us/resource)."""
    make_app(database_url)  # migrate once, before the workers (two would race to create the schema)
    context = multiprocessing.get_context("fork")
    queue, started = context.Queue(), time.perf_counter()
    procs = [context.Process(target=_work, args=(database_url, start, patients, batch, workers, w, queue))
             for w in range(workers)]
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    written = sum(w for w, _ in results)
    return written, time.perf_counter() - started, sum(c for _, c in results) / max(written, 1) * 1e6
