"""Routing benchmark: N synthetic pharmacies with stock in PostgreSQL; time the routing decision.

    python bench/routing_bench.py [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/routing_bench] \
        [--sizes 100,1000,10000] [--queries 1000]

The decision is pharmacy.routing.rank_pharmacies (SQL candidate search in growing rings + exact
haversine, hours and scoring in Python), in-process, for random patients in greater Ningbo asking
for 1-3 common medicines by pickup or delivery at 10:00 local time. Without --database-url a
scratch database is created on 127.0.0.1 and dropped afterwards.
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import create_engine, text  # noqa: E402

from bench import routing_data  # noqa: E402

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Ningbo


def _percentiles(samples):
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "mean": statistics.mean(ordered) * 1000}


def _requests(count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        codes = rng.sample(routing_data.COMMON, k=rng.choice([1, 1, 2, 2, 3]))
        needs = sorted((routing_data.ATC, code, rng.choice([28, 30, 56, 60])) for code in codes)
        yield needs, rng.choice(["pickup", "delivery"]), *routing_data.random_point(rng)


def measure(app, queries, seed):
    """Time `queries` routing decisions (after a warm-up); return percentiles and hit rate."""
    from core.extensions import db
    from pharmacy import routing

    samples, offered = [], 0
    with app.app_context():
        for needs, mode, lat, lon in _requests(50, seed + 1):  # warm-up: plans, caches, connections
            routing.rank_pharmacies(needs, mode, lat, lon, NOW, 30.0, 60)
        for needs, mode, lat, lon in _requests(queries, seed):
            started = time.perf_counter()
            ranked = routing.rank_pharmacies(needs, mode, lat, lon, NOW, 30.0, 60)
            samples.append(time.perf_counter() - started)
            offered += bool(ranked)
        db.session.rollback()
    return {**_percentiles(samples), "offered": offered / queries}


def _scratch_database():
    name = f"routing_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return f"{SERVER}/{name}", lambda: _drop(admin, name)


def _drop(admin, name):
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a scratch database, dropped after)")
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    url, cleanup = (args.database_url, None) if args.database_url else _scratch_database()
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="routing-bench-"))
    from flask_migrate import upgrade

    from cloud_hospital.app import create_app
    from core.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None,
                      "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789"})
    try:
        with app.app_context():
            upgrade()
        results = {}
        print(f"{'pharmacies':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'offerable':>9}")
        for size in (int(s) for s in args.sizes.split(",")):
            routing_data.load(app, size, args.seed)
            results[size] = figures = measure(app, args.queries, args.seed)
            print(f"{size:>10} {figures['p50']:>8.2f} {figures['p95']:>8.2f} {figures['p99']:>8.2f} "
                  f"{figures['mean']:>8.2f} {figures['offered']:>8.0%}", flush=True)
        sizes = sorted(results)
        if len(sizes) > 1:
            first, last = results[sizes[0]], results[sizes[-1]]
            print(f"growth {sizes[0]} -> {sizes[-1]} pharmacies ({sizes[-1] // sizes[0]}x): "
                  f"p50 x{last['p50'] / first['p50']:.2f}, p99 x{last['p99'] / first['p99']:.2f}")
    finally:
        with app.app_context():
            db.engine.dispose()
        if cleanup:
            cleanup()


if __name__ == "__main__":
    main()
