"""Profile transaction Bundles in-process (Flask test client, PostgreSQL on 127.0.0.1) with cProfile.

    .venv/bin/python bench/profile_bundle.py [--bundles 20] [--patients 100] [--kind transaction|batch]

Creates (and at the end drops) the database `bundle_prof`, an admin with a bearer token, then posts the HTTP
benchmark's Bundles (bench.http_requests.transaction_bundle: Patients and one Observation each, urn:uuid
references) one after another to `POST /fhir`; prints the CPU ms per Bundle without the profiler (best
and median of 5 blocks: CPU time still moves with the machine's load), the SQL statements sent per
Bundle (psycopg executes, pipelined ones included, COPYs and the COMMIT), and the top of a CPU-time
cProfile (function-call counts do not depend on the load).
"""
import argparse
import cProfile
import os
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_requests import transaction_bundle  # noqa: E402
from bench.profile_booking import StatementCounter  # noqa: E402

DB_NAME = "bundle_prof"


def _recreate_database(admin_url, create=True):
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _post(client, headers, bundle, size):
    response = client.post("/fhir", json=bundle, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert len(response.get_json()["entry"]) == size


def main():
    """Print CPU ms and SQL statements per Bundle, then a cProfile of --bundles Bundles."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundles", type=int, default=20)
    parser.add_argument("--patients", type=int, default=100, help="Patients per Bundle (plus one Observation each)")
    parser.add_argument("--kind", default="transaction", choices=("transaction", "batch"))
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    _recreate_database(args.admin_url)
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="bundle-prof-"))
    from bench._common import make_app
    from core import accounts, auth
    from core.extensions import db

    app = make_app(args.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{DB_NAME}")
    with app.app_context():
        user = accounts.create_staff("admin", "bundle-admin", "benchpass-123", "Bundle Admin")
        token = auth.issue_token(user)[0]
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"}
    rng, size = random.Random(1), 2 * args.patients

    def bundle():
        made = transaction_bundle(rng, args.patients)
        made["type"] = args.kind
        return made

    for _ in range(3):  # warm up
        _post(client, headers, bundle(), size)
    counter = StatementCounter()
    blocks, statements, per_block = [], counter.count, 4
    for _ in range(5):
        bundles = [bundle() for _ in range(per_block)]
        cpu = time.process_time()
        for made in bundles:
            _post(client, headers, made, size)
        blocks.append(1000 * (time.process_time() - cpu) / per_block)
    print(f"without profiler: {min(blocks):.1f} ms CPU per {args.kind} Bundle of {size} (best of 5 x {per_block}; "
          f"median {sorted(blocks)[2]:.1f}), {(counter.count - statements) / (5 * per_block):.1f} SQL statements "
          f"per Bundle (incl. COMMIT); load average {os.getloadavg()[0]:.1f}")
    bundles = [bundle() for _ in range(args.bundles)]
    profile = cProfile.Profile(time.process_time)  # CPU time: waits on PostgreSQL do not count
    cpu, wall = time.process_time(), time.perf_counter()
    profile.enable()
    for made in bundles:
        _post(client, headers, made, size)
    profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{args.bundles} Bundles: {1000 * cpu / args.bundles:.1f} ms CPU, {1000 * wall / args.bundles:.1f} ms wall "
          f"per Bundle (profiler on)")
    profile.dump_stats(f"/tmp/bundle-{args.kind}.prof")
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    with app.app_context():
        db.engine.dispose()
    _recreate_database(args.admin_url, create=False)


if __name__ == "__main__":
    main()
