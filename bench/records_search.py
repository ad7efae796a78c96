"""Search benchmark: load N synthetic resources, then time reads and the three typical searches.

    python bench/records_search.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/records_bench \
        --resources 100000 [--reuse]

Searches (each through records.store.search, bounded total included, 20 per page):
  Patient by name        family=<prefix of a stored family name>
  Observation by patient patient=<id>&code=http://loinc.org|<code>&date=ge<y>&date=lt<y+5>
  MedicationRequest      status=active
"""
import argparse
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import func, select, text  # noqa: E402

from bench._common import empty_records, ingest, make_app  # noqa: E402
from seeds import fhir_generator  # noqa: E402


def _percentiles(samples):
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "mean": statistics.mean(ordered) * 1000}


def _time(fn, args_list):
    samples = []
    for args in args_list:
        started = time.perf_counter()
        fn(*args)
        samples.append(time.perf_counter() - started)
    return samples


def _load(app, args):
    from core.extensions import db
    from records.models import Resource

    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Resource))
    if args.reuse and stored >= args.resources:
        print(f"reusing {stored} stored resources")
        return
    empty_records(app)
    count, seconds = ingest(app, fhir_generator.generate(args.seed, args.resources), batch=500, progress=50_000)
    print(f"loaded {count} resources in {seconds:.0f}s ({count / seconds:,.0f}/s)")
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def run(app, args):
    """Print read and search latencies (ms) over --samples random targets."""
    from core.extensions import db
    from records import store
    from records.models import Resource

    rng = random.Random(args.seed)
    with app.app_context():
        patients = db.session.scalars(select(Resource.id).where(Resource.resource_type == "Patient")).all()
        families = [store.read_resource("Patient", pid)["name"][0]["family"] for pid in rng.sample(patients, 50)]
        targets = [rng.choice(patients) for _ in range(args.samples)]
        vitals = [code for code, *_ in fhir_generator.VITALS]

        def search(rtype, params):
            store.search(rtype, params)
            db.session.rollback()

        cases = {
            "read Patient": (lambda pid: store.read_resource("Patient", pid), [(t,) for t in targets]),
            "Patient?family=": (search, [("Patient", [("family", rng.choice(families)[:2])]) for _ in targets]),
            "Observation?patient&code&date": (search, [("Observation", [
                ("patient", t), ("code", f"http://loinc.org|{rng.choice(vitals)}"),
                ("date", f"ge{(y := rng.randint(2015, 2022))}"), ("date", f"lt{y + 5}")]) for t in targets]),
            "MedicationRequest?status=active": (search, [("MedicationRequest", [("status", "active")])
                                                         for _ in targets]),
            "MedicationRequest?status=active&_total=accurate": (search, [("MedicationRequest", [
                ("status", "active"), ("_total", "accurate")]) for _ in targets[:20]]),
        }
        for name, (fn, arg_list) in cases.items():
            _time(fn, arg_list[:5])  # warm caches and compiled statements
            stats = _percentiles(_time(fn, arg_list))
            print(f"{name:50s} " + "  ".join(f"{k} {v:7.2f} ms" for k, v in stats.items()))


def main(argv=None):
    """Load (unless --reuse finds enough data) and measure."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=not os.environ.get("DATABASE_URL"))
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the stored data when there is enough")
    args = parser.parse_args(argv)
    app = make_app(args.database_url)
    _load(app, args)
    run(app, args)


if __name__ == "__main__":
    main()
