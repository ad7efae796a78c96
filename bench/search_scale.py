"""Search latency by store size, over HTTP with one client (issue 24 item 3).

    python bench/search_scale.py --database scale_10k --patients 600 --port-base 19800
    python bench/search_scale.py --database scale_1m --patients 61000 --port-base 19800 --reuse

Loads the city's patient histories (`seeds.fhir_generator.patient_history`, ~16.4 resources per patient:
600 patients ~ 10k resources, 6,000 ~ 100k, 61,000 ~ 1M, 91,000 ~ 1.49M) through the records store in two
worker processes (bench/search_scale_load.py; resumable, so --reuse loads only what is missing), runs
VACUUM ANALYZE, starts the service as the README's Production section does (gunicorn gthread, one process;
bench/http_servers.py) beside the bare ceiling app, then times each search with one keep-alive client
(http.client): --warmup requests, then --samples requests with random patients, codes and families.
Prints p50/p95 per search, the service's and the database backends' CPU ms per request, and the load
average before and after. The ceiling (a bare Flask app under the same gunicorn line) is timed the same way.
"""
import argparse
import http.client
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import http_servers, search_scale_load  # noqa: E402
from bench._common import make_app  # noqa: E402
from seeds import fhir_generator  # noqa: E402

LOINC = "http://loinc.org"
VITAL_CODES = [code for code, *_ in fhir_generator.VITALS]


def _q(value):
    return quote(value, safe="")


def searches(rng, patient_ids, families):
    """Search name -> a function giving one request path with fresh random values."""
    def code():
        return _q(f"{LOINC}|{rng.choice(VITAL_CODES)}")

    return {
        "ceiling": lambda: f"/fhir/Patient/{rng.choice(patient_ids)}",
        "read Patient": lambda: f"/fhir/Patient/{rng.choice(patient_ids)}",
        "Patient?family=": lambda: f"/fhir/Patient?family={_q(rng.choice(families))}",
        "Observation?subject=&code=": lambda: f"/fhir/Observation?subject=Patient/{rng.choice(patient_ids)}"
                                              f"&code={code()}",
        "... &_include=Observation:subject": lambda: f"/fhir/Observation?subject=Patient/{rng.choice(patient_ids)}"
                                                     f"&code={code()}&_include=Observation:subject",
        "Observation?subject:Patient.family=&code=": lambda: "/fhir/Observation?subject:Patient.family="
                                                             f"{_q(rng.choice(families))}&code={code()}",
        "MedicationRequest?status=active": lambda: "/fhir/MedicationRequest?status=active",
    }


def _ensure_database(admin_url, name, reuse):
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not reuse:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        if not exists or not reuse:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _token_and_targets(database_url, patients):
    """An admin bearer token, the stored city patient ids and the family names in use."""
    from sqlalchemy import select, text

    from core import accounts, auth
    from core.extensions import db
    from core.models import User

    app = make_app(database_url)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "scale-admin")) \
            or accounts.create_staff("admin", "scale-admin", "scale-admin-pass-123", "Scale Admin")
        token = auth.issue_token(user)[0]
        db.session.commit()
        ids = db.session.execute(text("SELECT id FROM fhir_resources WHERE resource_type = 'Patient' AND id LIKE :p"),
                                 {"p": "pat-c1-%"}).scalars().all()
        families = db.session.execute(text("SELECT DISTINCT exact FROM fhir_idx_string WHERE resource_type = "
                                           "'Patient' AND param = 'family'")).scalars().all()
        db.engine.dispose()
    return token, sorted(ids), sorted(families)


class Client:
    """One keep-alive HTTP/1.1 connection; times each request from send to the last byte of the body."""

    def __init__(self, port, token):
        self.conn, self.headers = http.client.HTTPConnection("127.0.0.1", port, timeout=60), \
            {"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"}

    def get(self, path):
        started = time.perf_counter()
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {body[:300]!r}")
        return elapsed, body


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure(client, make_path, samples, warmup, fleet, database):
    """p50/p95 ms, server and database CPU ms per request, mean matches on a page."""
    for _ in range(warmup):
        client.get(make_path())
    times, entries = [], []
    srv, dbcpu = fleet.cpu_seconds(), http_servers.database_cpu_seconds(database)
    for _ in range(samples):
        elapsed, body = client.get(make_path())
        times.append(elapsed * 1000)
        if body.startswith(b'{"resourceType":"Bundle"') or b'"Bundle"' in body[:200]:
            entries.append(len(json.loads(body).get("entry", [])))
    return {"p50": _percentile(times, 0.5), "p95": _percentile(times, 0.95), "mean": statistics.fmean(times),
            "srv_ms": (fleet.cpu_seconds() - srv) * 1000 / samples,
            "db_ms": (http_servers.database_cpu_seconds(database) - dbcpu) * 1000 / samples,
            "entries": statistics.fmean(entries) if entries else None}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="PostgreSQL database (created; dropped unless --reuse)")
    parser.add_argument("--patients", type=int, required=True, help="city patients (~16.4 resources each)")
    parser.add_argument("--reuse", action="store_true", help="keep the database and load only missing patients")
    parser.add_argument("--no-load", action="store_true", help="measure what is stored, load nothing")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--only", help="comma-separated subset of the searches (by name prefix)")
    parser.add_argument("--threads", type=int, default=64, help="the README's --threads")
    parser.add_argument("--port-base", type=int, default=19800)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if "@127.0.0.1:" not in args.admin_url:
        parser.error("the benchmark only talks to 127.0.0.1")
    database_url = args.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") \
        + f"/{args.database}"
    _ensure_database(args.admin_url, args.database, args.reuse or args.no_load)
    if not args.no_load:
        written, seconds, cpu_us = search_scale_load.load(database_url, args.patients)
        if written:
            print(f"loaded {written:,} resources in {seconds:.1f}s = {written / seconds:,.0f}/s "
                  f"(client CPU {cpu_us:.0f} us/resource, load average {os.getloadavg()[0]:.1f})", flush=True)
        with psycopg.connect(args.admin_url.rsplit("/", 1)[0] + f"/{args.database}", autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")  # what autovacuum does for a database in service
    token, patient_ids, families = _token_and_targets(database_url, args.patients)
    with psycopg.connect(args.admin_url.rsplit("/", 1)[0] + f"/{args.database}") as conn:
        stored = conn.execute("SELECT count(*) FROM fhir_resources").fetchone()[0]
    print(f"{args.database}: {stored:,} resources, {len(patient_ids):,} patients, {len(families)} families; "
          f"load average before: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    instance = tempfile.mkdtemp(prefix="search-scale-")
    env = http_servers.production_environment(args.database, args.redis_url, instance, "search-scale")
    service = http_servers.Fleet([args.port_base + 1], args.threads, env, "wsgi:app", instance, "service")
    ceiling = http_servers.Fleet([args.port_base + 51], args.threads, env, "bench.ceiling_app:app", instance,
                                 "ceiling")
    rng, results = random.Random(1), {}
    cases = searches(rng, patient_ids, families)
    wanted = [name for name in cases if name == "ceiling" or not args.only
              or any(name.startswith(p) for p in args.only.split(","))]
    try:
        service.start()
        ceiling.start()
        for name in wanted:
            fleet = ceiling if name == "ceiling" else service
            client = Client(fleet.ports[0], token)
            results[name] = measure(client, cases[name], args.samples, args.warmup, fleet, args.database)
            r = results[name]
            print(f"{name:<45} p50 {r['p50']:6.2f} ms  p95 {r['p95']:6.2f} ms  srv {r['srv_ms']:5.2f} ms/req  "
                  f"db {r['db_ms']:5.2f} ms/req" + (f"  {r['entries']:.1f} entries" if r["entries"] else ""),
                  flush=True)
    finally:
        service.stop()
        ceiling.stop()
    after = Path("/proc/loadavg").read_text().strip()
    print(f"load average after: {after}")
    if args.json:
        Path(args.json).write_text(json.dumps({"database": args.database, "resources": stored,
                                               "load_after": after, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
