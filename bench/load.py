"""Load and soak: a clinic day's mixed traffic against gunicorn (gthread, one worker) on PostgreSQL with
Redis as the Socket.IO queue, for a bounded time. Loopback only; every loop is bounded in time.

    .venv/bin/python bench/load.py --duration 300 [--users 24] [--chat-pairs 8] [--think 0.05]

It recreates its own database (default h_faults_load), seeds it (bench/load_seed.py), starts the server
and runs, until --duration is over:
- --users virtual patients/staff in --processes client processes, each picking an operation by weight:
  slot search, booking (Idempotency-Key), the arrival flow (book today's slot, check in, the doctor
  calls and finishes), my appointments, FHIR read, FHIR searches, pharmacy search, stock update and the
  pharmacy's order list;
- --chat-pairs patient/doctor pairs chatting over Socket.IO (a message every --chat-interval seconds
  from each side, acknowledged after the commit, checked to reach the other side).
It prints throughput and p50/p99 per operation, the error count (any unexpected status, a message not
acknowledged or not delivered: must be 0), the server's RSS sampled every --sample seconds (first, last,
max and the slope of a least-squares line: flat means no leak), the server's CPU ms per operation and
the PostgreSQL transactions per operation (both independent of how busy the machine is).
"""
import argparse
import json
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WEIGHTS = {"slot_search": 20, "book": 8, "arrival": 6, "my_appointments": 8, "fhir_read": 12, "fhir_search": 12,
           "pharmacy_search": 6, "stock_update": 4, "pharmacy_orders": 4}


class Session:
    """One virtual user's HTTP session: records latency per operation and every unexpected answer."""

    def __init__(self, url, samples, errors):
        self.url, self.samples, self.errors = url, samples, errors
        self.http = requests.Session()

    def call(self, op, method, path, token, expect=(200,), **kwargs):
        began = time.perf_counter()
        try:
            r = self.http.request(method, f"{self.url}{path}", headers={"Authorization": f"Bearer {token}",
                                                                         **kwargs.pop("headers", {})},
                                  timeout=60, **kwargs)
        except requests.RequestException as exc:
            self.errors.append((op, "exception", repr(exc)[:200]))
            return None
        self.samples.setdefault(op, []).append(time.perf_counter() - began)
        if r.status_code not in expect:
            self.errors.append((op, r.status_code, r.text[:300]))
            return None
        return r.json() if r.content else {}


def _user(n, url, data, deadline, think, samples, errors):
    rng = random.Random(n)
    s = Session(url, samples, errors)
    patient_id, token = data["patients"][n]
    lane = iter(data["lanes"][n])
    d = n % len(data["doctors"])
    doctor_id, doctor_token = data["doctors"][d]
    pharmacy_id, pharmacist = data["pharmacies"][n % len(data["pharmacies"])]
    ops, weights = zip(*WEIGHTS.items())
    while time.monotonic() < deadline:
        op = rng.choices(ops, weights)[0]
        if op == "slot_search":
            s.call(op, "GET", f"/api/v1/slots?doctor_id={doctor_id}&limit=50", token)
        elif op == "book":
            slot_id = next(lane, None)
            if slot_id:
                s.call(op, "POST", "/api/v1/appointments", token, expect=(201,),
                       headers={"Idempotency-Key": uuid.uuid4().hex},
                       json={"slot_id": slot_id, "kind": "in_person", "channel": "app"})
        elif op == "arrival":
            appt = s.call("arrival_book", "POST", "/api/v1/appointments", token, expect=(201,),
                          json={"slot_id": data["today"][d], "kind": "in_person", "channel": "app"})
            if appt and s.call("check_in", "POST", f"/api/v1/appointments/{appt['id']}/check-in", token) is not None:
                if s.call("doctor_call", "POST", f"/api/v1/appointments/{appt['id']}/call", doctor_token) is not None:
                    s.call("doctor_finish", "POST", f"/api/v1/appointments/{appt['id']}/finish", doctor_token)
        elif op == "my_appointments":
            s.call(op, "GET", "/api/v1/appointments?limit=20", token)
        elif op == "fhir_read":
            s.call(op, "GET", f"/fhir/Patient/{patient_id}", token)
        elif op == "fhir_search":
            kind = rng.choice([f"Observation?patient={patient_id}&code=8480-6&_sort=-date",
                               f"Appointment?patient={patient_id}&_count=20"])
            s.call(op, "GET", f"/fhir/{kind}", token)
        elif op == "pharmacy_search":
            s.call(op, "GET", "/api/v1/pharmacies?near=29.87,121.54&limit=5", token)
        elif op == "stock_update":
            s.call(op, "PUT", f"/api/v1/pharmacies/{pharmacy_id}/stock", pharmacist,
                   json={"items": [{"code": "C08CA01", "on_hand": rng.randint(50, 150)}]})
        elif op == "pharmacy_orders":
            s.call(op, "GET", "/api/v1/pharmacy/orders?limit=20", pharmacist)
        time.sleep(rng.uniform(0, 2 * think))


def _http_process(job):
    url, data, users, seconds, think = job
    samples, errors = {}, []
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=_user, args=(n, url, data, deadline, think, samples, errors)) for n in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, errors


def _chat_process(job):
    """Each pair: both sides send a message every `interval`; acks timed; delivery checked at the end."""
    import socketio

    url, pairs, seconds, interval = job
    samples, errors, lock = {"chat_message": []}, [], threading.Lock()
    sent, received, clients = {}, {}, []

    def make(cid, token, me):
        client = socketio.Client(reconnection=False)
        client.on("message", lambda m: received.setdefault(me, set()).add(m["client_id"]), namespace="/consult")
        client.connect(url, auth={"token": token}, namespaces=["/consult"], transports=["websocket"], wait_timeout=30)
        if not client.call("join", {"consultation_id": cid}, namespace="/consult", timeout=30).get("ok"):
            errors.append(("chat_join", cid, "refused"))
        return client

    for i, (cid, patient_token, doctor_token) in enumerate(pairs):
        clients += [(cid, f"p{i}", f"d{i}", make(cid, patient_token, f"p{i}")),
                    (cid, f"d{i}", f"p{i}", make(cid, doctor_token, f"d{i}"))]
    deadline, n = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        round_start = time.monotonic()
        for cid, me, peer, client in clients:
            client_id, began = f"{me}-{n}", time.perf_counter()

            def acked(ack=None, began=began, client_id=client_id):
                with lock:
                    if isinstance(ack, dict) and ack.get("ok"):
                        samples["chat_message"].append(time.perf_counter() - began)
                    else:
                        errors.append(("chat_message", client_id, str(ack)[:200]))

            sent.setdefault(peer, set()).add(client_id)
            client.emit("message", {"consultation_id": cid, "client_id": client_id, "text": f"hello {n}"},
                        namespace="/consult", callback=acked)
        n += 1
        time.sleep(max(0.0, round_start + interval - time.monotonic()))
    time.sleep(5)  # the last messages arrive
    for who, expected in sent.items():
        missing = expected - received.get(who, set())
        errors += [("chat_delivery", who, f"{len(missing)} messages never arrived")] if missing else []
    unacked = sum(len(v) for v in sent.values()) - len(samples["chat_message"])
    errors += [("chat_message", "-", f"{unacked} messages never acknowledged")] if unacked > 0 else []
    for *_, client in clients:
        client.eio.disconnect(abort=True)
    return samples, errors


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _slope(points):
    """Least-squares slope of (x, y) points."""
    n = len(points)
    if n < 2:
        return 0.0
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


def _cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _transactions(database_url, name):
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        return conn.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                            (name,)).fetchone()[0]


def _recreate(admin_url, name):
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--processes", type=int, default=2, help="HTTP client processes")
    parser.add_argument("--think", type=float, default=0.05, help="mean pause between a user's operations (s)")
    parser.add_argument("--chat-pairs", type=int, default=8)
    parser.add_argument("--chat-interval", type=float, default=2.0)
    parser.add_argument("--threads", type=int, default=64, help="gunicorn threads")
    parser.add_argument("--sample", type=float, default=5.0, help="RSS sampling interval (s)")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="h_faults_load")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if "@127.0.0.1:" not in args.admin_url or not args.redis_url.startswith("redis://127.0.0.1:"):
        parser.error("the load only talks to 127.0.0.1")
    return args


def _prepare(args):
    from flask_migrate import upgrade

    from bench import load_seed
    from cloud_hospital.app import create_app

    _recreate(args.admin_url, args.database)
    database_url = args.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + args.database
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="load-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None, "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_KIB": 1024, "SECRET_KEY": "load-secret-key-that-is-long-enough-0123456789"})
    with app.app_context():
        upgrade()
    lane = int(args.duration * 2) + 50  # more private slots than a user can book in the time
    print(f"seeding {args.users} users x {lane} slots, {args.chat_pairs} chat pairs ...", flush=True)
    data = load_seed.seed(app, args.users, max(2, args.users // 4), lane, 4, args.chat_pairs)
    with app.app_context():
        from core.extensions import db
        db.engine.dispose()
    return database_url, data


def _sample_rss(server, stop, samples, every):
    from bench.socket_bench import rss_mb

    began = time.monotonic()
    while not stop.wait(0 if not samples else every):
        samples.append((time.monotonic() - began, rss_mb(server.proc.pid)))


def _report(args, samples, errors, elapsed, rss, cpu, transactions):
    total = sum(len(v) for v in samples.values())
    figures = {"duration_s": round(elapsed, 1), "operations": total, "throughput_per_s": round(total / elapsed, 1),
               "errors": len(errors), "ops": {}}
    print(f"\n{total} operations in {elapsed:.0f} s: {total / elapsed:.1f}/s; errors: {len(errors)}")
    print(f"{'operation':<16}{'count':>8}{'per s':>8}{'p50 ms':>9}{'p99 ms':>9}")
    for op in sorted(samples):
        values = samples[op]
        row = {"count": len(values), "per_s": round(len(values) / elapsed, 2),
               "p50_ms": round(_percentile(values, 0.5) * 1000, 1), "p99_ms": round(_percentile(values, 0.99) * 1000, 1)}
        figures["ops"][op] = row
        print(f"{op:<16}{row['count']:>8}{row['per_s']:>8}{row['p50_ms']:>9}{row['p99_ms']:>9}")
    for error in errors[:10]:
        print("  error:", error)
    values = [mb for _, mb in rss]
    settled = [(t / 60, mb) for t, mb in rss if t >= min(60.0, elapsed / 4)]  # after the warm-up
    figures["rss_mb"] = {"first": round(values[0], 1), "last": round(values[-1], 1), "max": round(max(values), 1),
                         "samples": len(values), "slope_mb_per_min": round(_slope(settled), 2),
                         "series": [[round(t), round(mb, 1)] for t, mb in rss]}
    print("server RSS MiB: first {first}, last {last}, max {max} ({samples} samples); slope after warm-up "
          "{slope_mb_per_min} MiB/min".format(**figures["rss_mb"]))
    figures["server_cpu_ms_per_op"] = round(cpu * 1000 / max(1, total), 2)
    figures["db_transactions_per_op"] = round(transactions / max(1, total), 2)
    print(f"server CPU {figures['server_cpu_ms_per_op']} ms/operation; PostgreSQL "
          f"{figures['db_transactions_per_op']} transactions/operation")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return figures


def main():
    from tests.clinic.consult.procs import ServerProcess

    args = _arguments()
    database_url, data = _prepare(args)
    server = ServerProcess(database_url, args.redis_url, CLINIC_MAX_APPOINTMENTS_PER_DAY="1000000",
                           SECRET_KEY="load-secret-key-that-is-long-enough-0123456789")
    server.start_args = ["--threads", str(args.threads)]
    server.start(timeout=60)
    worker = max(server.pids(), key=lambda pid: pid != server.proc.pid)  # the worker, not the arbiter
    rss, stop = [], threading.Event()
    sampler = threading.Thread(target=_sample_rss, args=(server, stop, rss, args.sample), daemon=True)
    try:
        cpu0, tx0 = _cpu_seconds(worker), _transactions(database_url, args.database)
        sampler.start()
        users = list(range(args.users))
        jobs = [(server.url, data, users[p::args.processes], args.duration, args.think) for p in range(args.processes)]
        began = time.monotonic()
        with multiprocessing.get_context("spawn").Pool(args.processes + 1) as pool:
            chat = pool.apply_async(_chat_process, ((server.url, data["chats"], args.duration, args.chat_interval),))
            results = pool.map(_http_process, jobs) + [chat.get()]
        wall = time.monotonic() - began  # the load window plus start-up and the chat's last deliveries
        cpu, transactions = _cpu_seconds(worker) - cpu0, _transactions(database_url, args.database) - tx0
        stop.set()
        sampler.join()
    finally:
        server.stop()
    samples, errors = {}, []
    for part_samples, part_errors in results:
        for op, values in part_samples.items():
            samples.setdefault(op, []).extend(values)
        errors += part_errors
    print(f"wall time {wall:.0f} s for a {args.duration:.0f} s load window")
    figures = _report(args, samples, errors, args.duration, rss, cpu, transactions)
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
