"""Side-by-side HTTP benchmark: the service as the README's Production section runs it, against a bare
Flask JSON app under the identical gunicorn command line (the ceiling), interleaved in one run.

    apt-get install -y wrk          # the load generator (Debian package)
    .venv/bin/python bench/http_bench.py [--patients 2000] [--seconds 10] [--rounds 3] [--processes 2]

What it does (only 127.0.0.1 is contacted; ports 18200-18299):
1. (re)creates the database `bench_http_<port base>` (`--database`; one per run, so runs on other ports never
   drop each other's), `flask db upgrade`s it and writes, in-process: admin accounts with
   bearer tokens, --patients synthetic FHIR patient histories (~20 resources each, seeds.fhir_generator,
   through the records bulk API), and a booking world of --booking-patients patients each with a private
   lane of 39 single-place slots (3 a day: the production booking policy is left as it is);
2. starts --processes gunicorn processes of the service, each
   `gunicorn --worker-class gthread --workers 1 --threads 64 --bind 127.0.0.1:PORT wsgi:app` with
   CLOUD_HOSPITAL_ENV=production, DATABASE_URL (PostgreSQL), REDIS_URL (db 15, a channel of its own), and
   `flask --app wsgi scheduler run`, as README "Production" does; and as many processes of the ceiling,
   `gunicorn ... bench.ceiling_app:app`. Clients are split evenly over the processes (as a load
   balancer would): one wrk process per gunicorn process;
3. runs every phase once as a warm-up, then --rounds rounds of: the ceiling, FHIR read, the four searches,
   create, transaction ingest (Bundles of 100 Patients + 100 Observations with urn:uuid references, 2
   clients) and booking (POST /api/v1/appointments, many patients);
4. prints for each phase req/s (resources/s for ingest), p50/p99, the ratio to the ceiling of the same
   run, the gunicorn CPU and the PostgreSQL (backends of that database) CPU per request, and load averages.

Searches: Patient?family=<a stored family>; Observation?subject=Patient/<id>&code=<LOINC>; the same with
_include=Observation:subject; the chained Observation?subject:Patient.family=<family>&code=<LOINC>. All
FHIR phases use admin tokens (16 tokens of 4 accounts, round-robin); bookings the patients' own tokens.
"""
import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import http_requests, http_seed, http_servers, http_wrk, view_lag  # noqa: E402

DB_NAME = "bench_http"
PHASES = ("ceiling", "read", *http_requests.SEARCHES, "create", "transaction", "booking")
BUNDLE_RESOURCES = 200


def _recreate_database(admin_url):
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _write_files(directory, kind, lines_per_port):
    paths = []
    for i, lines in enumerate(lines_per_port):
        path = Path(directory) / f"{kind}-{i}.tsv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def _request_files(directory, seeded, ports, requests_per_file):
    rng = random.Random(7)
    files = {}
    for kind in PHASES:
        if kind == "booking":
            shares = [seeded["booking"][i::len(ports)] for i in range(len(ports))]
            files[kind] = _write_files(directory, kind, [http_requests.booking_lines(s) for s in shares])
        else:
            count = 40 if kind == "transaction" else requests_per_file
            files[kind] = _write_files(directory, kind, [http_requests.fhir_lines(kind, seeded, rng, count)
                                                        for _ in ports])
    return files


class Phases:
    """Runs phases against the fleets and keeps the results of the timed rounds."""

    def __init__(self, args, service, ceiling, files):
        self.args, self.service, self.ceiling, self.files = args, service, ceiling, files
        self.results = {kind: [] for kind in PHASES}
        self.booking_next = {i: 1 for i in range(len(service.ports))}

    def run(self, kind, seconds, keep=True):
        fleet = self.ceiling if kind == "ceiling" else self.service
        connections = len(fleet.ports) if kind == "transaction" else self.args.connections
        starts = self.booking_next if kind == "booking" else None
        cpu0, db0 = fleet.cpu_seconds(), http_servers.database_cpu_seconds(DB_NAME)
        merged, parts = http_wrk.run(fleet.ports, self.files[kind], connections, seconds, starts)
        cpu, db_cpu = fleet.cpu_seconds() - cpu0, http_servers.database_cpu_seconds(DB_NAME) - db0
        if kind == "booking":  # never book a slot twice: go on after what was sent (and may be in flight)
            for i, part in enumerate(parts):
                self.booking_next[i] += part.requests + connections
        if keep:
            self.results[kind].append((merged, cpu, db_cpu))
        http_servers.settle(fleet)  # requests still in flight when wrk stopped must not weigh on the next phase
        return merged


def _good(kind, result):
    return result.ok(201) if kind in ("create", "booking") else result.ok(200)


def _rate(kind, runs):
    good = sum(_good(kind, r) for r, _, _ in runs)
    seconds = sum(r.seconds for r, _, _ in runs)
    return good * (BUNDLE_RESOURCES if kind == "transaction" else 1) / seconds if seconds else 0.0


def _report(phases, loads):
    ceiling = _rate("ceiling", phases.results["ceiling"])
    print(f"\n{'phase':<16}{'rate':>12}  {'unit':<12}{'p50 ms':>9}{'p99 ms':>9}{'ceiling':>9}"
          f"{'per-round':>16}{'srv ms/req':>11}{'db ms/req':>10}  other statuses")
    for kind in PHASES:
        runs = phases.results[kind]
        if not runs:
            continue
        merged = http_wrk.Result()
        for r, _, _ in runs:
            merged.merge(r)
        rate = _rate(kind, runs)
        unit = "resources/s" if kind == "transaction" else "req/s"
        per_round = [_rate(kind, [run]) / _rate("ceiling", [c]) for run, c in zip(runs, phases.results["ceiling"])]
        answered = max(1, merged.requests)
        cpu, db_cpu = sum(c for _, c, _ in runs), sum(d for _, _, d in runs)
        bad = {s: n for s, n in sorted(merged.statuses.items()) if s != (201 if kind in ("create", "booking") else 200)}
        if merged.socket_errors:
            bad["socket errors"] = merged.socket_errors
        print(f"{kind:<16}{rate:>12,.0f}  {unit:<12}{merged.percentile_ms(0.5):>9.1f}{merged.percentile_ms(0.99):>9.1f}"
              f"{100 * rate / ceiling:>8.1f}%{'%.0f-%.0f %%' % (100 * min(per_round), 100 * max(per_round)):>16}"
              f"{1000 * cpu / answered:>11.2f}{1000 * db_cpu / answered:>10.2f}  {bad or ''}")
    print(f"\nload average (1 min) before / after each round: {loads}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=2000, help="synthetic FHIR patient histories")
    parser.add_argument("--booking-patients", type=int, default=160)
    parser.add_argument("--seconds", type=int, default=10, help="per phase and round")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of each phase before the rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2, help="gunicorn processes (one worker each)")
    parser.add_argument("--threads", type=int, default=64, help="the README's --threads")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated subset (ceiling is always run)")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--port-base", type=int, default=18200)
    parser.add_argument("--database", help="dropped and created; default bench_http_<port base>")
    parser.add_argument("--serve", action="store_true", help="seed, start the service and wait (for profiling)")
    parser.add_argument("--no-scheduler", action="store_true")
    args = parser.parse_args()
    global DB_NAME
    DB_NAME = args.database or f"bench_http_{args.port_base}"  # concurrent runs on other ports keep their own
    # A background job ignores SIGINT: stop cleanly (servers included) on SIGTERM too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if "@127.0.0.1:" not in args.admin_url:
        parser.error("the benchmark only talks to 127.0.0.1")
    wanted = ["ceiling", *[p for p in args.phases.split(",") if p in PHASES and p != "ceiling"]]
    instance = tempfile.mkdtemp(prefix="http-bench-")
    env = http_servers.production_environment(DB_NAME, args.redis_url, instance, "http-bench")
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    _recreate_database(args.admin_url)
    subprocess.run([str(http_servers.BIN / "flask"), "db", "upgrade"], cwd=http_servers.ROOT, env=env, check=True,
                   capture_output=True)
    print(f"seeding {args.patients} patient histories, {args.booking_patients} booking patients ...", flush=True)
    seeded = http_seed.seed(env, args.patients, admins=4, tokens_per_admin=4,
                            booking_patients=args.booking_patients if "booking" in wanted else 0)
    with psycopg.connect(args.admin_url.rsplit("/", 1)[0] + f"/{DB_NAME}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # what autovacuum does for a database in service
    service_ports = [args.port_base + 1 + i for i in range(args.processes)]
    ceiling_ports = [args.port_base + 51 + i for i in range(args.processes)]
    files = _request_files(instance, seeded, service_ports, requests_per_file=5000)
    scheduler = None if args.no_scheduler else http_servers.start_scheduler(env, instance)
    service = http_servers.Fleet(service_ports, args.threads, env, "wsgi:app", instance, "service")
    ceiling = http_servers.Fleet(ceiling_ports, args.threads, env, "bench.ceiling_app:app", instance, "ceiling")
    try:
        service.start()
        ceiling.start()
        print(f"service: {' '.join(service.commands[0][1:])} (x{args.processes}); logs in {instance}", flush=True)
        if args.serve:
            print(f"serving on {service_ports}; request files in {instance}; Ctrl-C to stop", flush=True)
            while True:
                time.sleep(3600)
        phases = Phases(args, service, ceiling, files)
        for kind in wanted:
            phases.run(kind, args.warmup, keep=False)
        loads = []
        for round_number in range(args.rounds):
            before = http_servers.load_average()
            for kind in wanted:
                result = phases.run(kind, args.seconds)
                print(f"round {round_number + 1} {kind}: {_good(kind, result) / result.seconds:,.0f} good/s, "
                      f"p50 {result.percentile_ms(0.5):.1f} ms, statuses {result.statuses}", flush=True)
            loads.append((before, http_servers.load_average()))
        _report(phases, loads)
        if "booking" in wanted:
            view_lag.report(args.admin_url.rsplit("/", 1)[0] + f"/{DB_NAME}")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        service.stop()
        ceiling.stop()
        http_servers.stop_process(scheduler)
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
