"""Retention benchmark (in-process, not over HTTP): what the clinical purge costs, and what the compartment lock
costs every write.

    python bench/retention_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/retention_bench \
        [--patients 200] [--resources 50] [--writes 2000]

1. `--writes` single FHIR creates (records.api.create, one Observation each, one commit each) into random
   patients' compartments, with the compartment lock (records.compartment_locks.share) and with it replaced by a
   no-op, alternating rounds (noisy on a shared machine), and the lock's statement alone: the per-write cost.
2. `--patients` patients with `--resources` resources each (half updated once: two versions), written long ago;
   a real retention run (compliance.retention.run_retention, nightly mode: a commit per patient) purges them all:
   patients per second and milliseconds per patient, with the count of rows left in every fhir_* table (0).
"""
import argparse
import os
import random
import sys
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import func, select  # noqa: E402

from bench._common import empty_records, make_app  # noqa: E402


def _observation(patient):
    return {"resourceType": "Observation", "status": "final", "code": {"text": "bp"},
            "subject": {"reference": f"Patient/{patient}"}, "valueQuantity": {"value": 120, "unit": "mmHg"}}


def time_writes(app, writes, locked):
    """Seconds per committed single create (one Observation), with or without the compartment lock."""
    from core.auth import SYSTEM
    from core.extensions import db
    from records import api, compartment_locks

    original = compartment_locks.share
    if not locked:
        compartment_locks.share = lambda patient_ids: None
    try:
        with app.app_context():
            started = time.perf_counter()
            for n in range(writes):
                api.create(SYSTEM, _observation(f"w-{random.randrange(1000)}"))
                db.session.commit()
            return (time.perf_counter() - started) / writes
    finally:
        compartment_locks.share = original


def time_lock_alone(app, calls):
    """Seconds per compartment_locks.share of one patient (its own statement), each in its own transaction."""
    from core.extensions import db
    from records import compartment_locks

    with app.app_context():
        started = time.perf_counter()
        for n in range(calls):
            compartment_locks.share({f"w-{n % 1000}"})
            db.session.rollback()
        return (time.perf_counter() - started) / calls


def seed_old_records(app, patients, resources):
    """`patients` records of `resources` resources each, written in 2001."""
    from core import clock
    from core.auth import SYSTEM
    from core.extensions import db
    from records import api

    clock.set_clock(lambda: datetime(2001, 1, 1, tzinfo=timezone.utc))
    try:
        with app.app_context():
            for p in range(patients):
                api.update(SYSTEM, "Patient", f"old-{p}", {"resourceType": "Patient", "name": [{"family": "Old"}]})
                made = api.create_many(SYSTEM, [_observation(f"old-{p}") for _ in range(resources - 1)])
                for resource in made[: len(made) // 2]:
                    api.update(SYSTEM, "Observation", resource["id"], {**resource, "status": "amended"})
                db.session.commit()
    finally:
        clock.set_clock(None)


def time_purge(app):
    """(seconds, clinical report, rows left per fhir_* table) of one nightly-mode retention run."""
    from compliance import retention
    from core.auth import SYSTEM
    from core.extensions import db

    with app.app_context():
        started = time.perf_counter()
        run = retention.run_retention(SYSTEM, dry_run=False, commit_each=db.session.commit)
        db.session.commit()
        elapsed = time.perf_counter() - started
        import json
        report = json.loads(run.report)["clinical_records"]
        left = {name: db.session.scalar(select(func.count()).select_from(table))
                for name, table in db.metadata.tables.items() if name.startswith("fhir_")}
        return elapsed, report, left


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--resources", type=int, default=50)
    parser.add_argument("--writes", type=int, default=2000)
    args = parser.parse_args()
    app = make_app(args.database_url)
    empty_records(app)
    rounds = {True: [], False: []}
    for locked in (False, True, False, True):
        rounds[locked].append(time_writes(app, args.writes // 4, locked))
    for locked in (False, True):
        print(f"single create + commit, lock {'on ' if locked else 'off'}: "
              f"{', '.join(f'{s * 1e3:.3f}' for s in rounds[locked])} ms (rounds)")
    print(f"compartment_locks.share alone: {time_lock_alone(app, args.writes) * 1e3:.3f} ms per call "
          f"(one statement; the first statement also opens the transaction, as the writes' own would)")
    empty_records(app)
    seed_old_records(app, args.patients, args.resources)
    elapsed, report, left = time_purge(app)
    print(f"purge of {report['removed']} patients x {args.resources} resources: {elapsed:.2f} s, "
          f"{report['removed'] / elapsed:.1f} patients/s, {elapsed / max(report['removed'], 1) * 1e3:.1f} ms/patient; "
          f"refused {len(report.get('refused', []))}; rows left {sum(left.values())}")


if __name__ == "__main__":
    main()
