"""Profile the four HTTP-bench searches (and the read, the create, /healthz, the ceiling app) in-process (Flask test
client, PostgreSQL on 127.0.0.1), CPU clock.

    .venv/bin/python bench/profile_search.py [--patients 2000] [--reuse] [--searches 200] [--top 40]

Loads --patients synthetic histories (bench/http_seed.py, as bench/http_bench.py does) into the database
`search_prof` (kept for --reuse), then for each search of bench/http_requests.py prints the CPU ms per
request without the profiler (best and median of 5 blocks: CPU time still moves with the machine's load),
the SQL statements sent per request (COMMITs included) and, with --profile, the top of a CPU-time cProfile.
"""
import argparse
import cProfile
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import http_bench, http_requests, http_seed  # noqa: E402
from bench._common import BENCH_SMS_GATEWAY  # noqa: E402
from bench.ceiling_app import app as ceiling_app  # noqa: E402
from bench.profile_booking import StatementCounter  # noqa: E402

DB_NAME = "search_prof"


# Kinds that are not FHIR requests, and their path: the service's /healthz, the ceiling app's JSON view.
FLOORS = {"healthz": "/healthz", "ceiling": "/fhir/Patient/example"}


def _prepare(admin_url, patients, reuse):
    """(env, seeded): the database is recreated and seeded unless --reuse finds it."""
    import json

    env = {"CLOUD_HOSPITAL_ENV": "production", "SECRET_KEY": "search-prof-secret-key-0123456789abcdef0123",
           "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}", "REDIS_URL": "",
           "INSTANCE_PATH": tempfile.mkdtemp(prefix="search-prof-"), "LOG_LEVEL": "WARNING",
           "SMS_GATEWAY": BENCH_SMS_GATEWAY}
    saved = Path(tempfile.gettempdir()) / f"{DB_NAME}-{patients}.json"
    if reuse and saved.exists():
        return env, json.loads(saved.read_text())
    http_bench.DB_NAME = DB_NAME
    http_bench._recreate_database(admin_url)
    app = http_seed._app(env)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    seeded = http_seed.seed(env, patients, admins=1, tokens_per_admin=1, booking_patients=0)
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    saved.write_text(json.dumps(seeded))
    return env, seeded


def _get(client, headers, request):
    """`request`: a path (GET), or (method, path, content type, body) from a bench/http_requests.py line."""
    if isinstance(request, str):
        response = client.get(request, headers=headers)
    else:
        method, path, content_type, body = request
        response = client.open(path, method=method, headers=headers, content_type=content_type, data=body)
    assert response.status_code in (200, 201), response.get_data(as_text=True)


def _request_of(line):
    method, path, _token, content_type, body = line.split("\t")
    return path if method == "GET" else (method, path, content_type, body.encode())


def main():
    """Seed (or reuse), then measure each search."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--searches", type=int, default=200, help="per search kind and block")
    parser.add_argument("--kinds", default=",".join(http_requests.SEARCHES),
                        help="also read, create, and the floors: healthz (the service's), ceiling (bench/ceiling_app.py)")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of each kind")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    env, seeded = _prepare(args.admin_url, args.patients, args.reuse)
    app = http_seed._app(env)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {seeded['admin_tokens'][0]}"}
    counter = StatementCounter()
    for kind in args.kinds.split(","):
        client_of_kind = ceiling_app.test_client() if kind == "ceiling" else client
        if kind in FLOORS:  # the same loop on /healthz and on the ceiling app: what a request costs at least
            paths = [FLOORS[kind]] * (args.searches * 6)
        else:
            lines = http_requests.fhir_lines(kind, seeded, random.Random(1), args.searches * 6)
            paths = [_request_of(line) for line in lines]
        for path in paths[:args.searches]:  # warm up
            _get(client_of_kind, headers, path)
        blocks, statements = [], counter.count
        for block in range(5):
            cpu = time.process_time()
            for path in paths[args.searches * (block + 1):args.searches * (block + 2)]:
                _get(client_of_kind, headers, path)
            blocks.append(1000 * (time.process_time() - cpu) / args.searches)
        per_request = (counter.count - statements) / (5 * args.searches)
        print(f"{kind:15s} {min(blocks):6.2f} ms CPU per request (best of 5 x {args.searches}; median "
              f"{sorted(blocks)[2]:.2f}), {per_request:.1f} SQL statements per request (incl. COMMIT)", flush=True)
        if args.profile:
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for path in paths[:args.searches]:
                _get(client_of_kind, headers, path)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
    with app.app_context():
        from core.extensions import db

        db.engine.dispose()


if __name__ == "__main__":
    main()
