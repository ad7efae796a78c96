"""Booking benchmark: gunicorn + PostgreSQL on 127.0.0.1, 64 concurrent clients.

    .venv/bin/python bench/booking_bench.py [--clients 64] [--seconds 10] [--workers 2] [--threads 32]
        [--rate R] [--database clinic_bench]

It creates (and drops) its own database `clinic_bench` (or `--database`), migrates it, loads one institution, one doctor
per client with a private run of single-capacity slots (each with its FHIR Slot, as schedule expansion
writes them), 50 "hot" slots and one patient per client, starts gunicorn (gthread, one worker process
per CPU by default) on a free loopback port and runs three bounded phases with the same clients
(client processes started once; every phase starts on all of them at the same instant):
1. GET /healthz for --seconds: the server's plain request rate;
2. POST /api/v1/appointments for --seconds, each client booking its own slots: bookings/s, p50/p99;
3. a race: every client tries every hot slot once (clients x 50 requests): exactly 50 may succeed.
It also prints the gunicorn processes' CPU time per request of phases 1 and 2 (from /proc).
Double bookings are counted from the database at the end (must be 0), and how long the FHIR Appointment
views took to follow the bookings (bench/view_lag.py). Only 127.0.0.1 is contacted.
"""
import argparse
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DB_NAME = "clinic_bench"
HOT_SLOTS = 50
sys.path.insert(0, str(ROOT))

from bench import view_lag  # noqa: E402

MAX_REQUESTS_PER_CLIENT = 5000  # a hard bound on each phase besides the time limit


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _recreate_database(admin_url):
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _environment(database_url, instance):
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": instance, "FLASK_APP": "wsgi",
           "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789", "LOG_LEVEL": "WARNING",
           "CLINIC_MAX_APPOINTMENTS_PER_DAY": "100000", "SCHEDULER_AUTOSTART": "false"}
    env.pop("REDIS_URL", None)
    return env


def _load_data(env, clients, per_client):
    """Directory, slots, patients and bearer tokens, written straight through the services."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from clinic.directory import services as directory
    from clinic.scheduling import Slot
    from cloud_hospital.app import create_app
    from core import accounts, auth, clock
    from core.extensions import db
    from core.identity import make_id_number
    from core.types import new_id

    app = create_app({"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024})
    start = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    with app.app_context():
        inst = directory.save_institution({"code": "BENCH", "name": "Bench Clinic", "kind": "primary"})
        lanes, tokens = [], []
        for i in range(clients + 1):
            doctor = directory.save_doctor({"practitioner_id": f"bench-{i}", "name": f"Bench Dr {i}",
                                            "specialties": ["general_medicine"], "institution_ids": [inst.id]})
            hot_lane = i == clients
            count = HOT_SLOTS if hot_lane else per_client
            # Hot slots lie after every private slot, so no patient's own bookings overlap them.
            base = start + timedelta(minutes=15 * per_client + 60) if hot_lane else start
            rows = [{"id": new_id(), "doctor_id": doctor.id, "institution_id": inst.id, "kind": "in_person",
                     "session": "morning", "local_date": (base + timedelta(minutes=15 * k)).date(),
                     "starts_at": base + timedelta(minutes=15 * k), "ends_at": base + timedelta(minutes=15 * k + 15),
                     "capacity": 1, "booked": 0, "held": 0, "status": "open", "flagged": False}
                    for k in range(count)]
            db.session.execute(Slot.__table__.insert(), rows)
            lanes.append([row["id"] for row in rows])
        _sync_fhir_slots(app, lanes)
        for i in range(clients):
            user = accounts.register_patient(f"Bench {i}", make_id_number("330203", date(1980, 1, 1), i + 1),
                                             f"137{i:08d}", "benchpass1")
            tokens.append(auth.issue_token(user)[0])
        db.session.commit()
        db.engine.dispose()
    return tokens, lanes[:clients], lanes[clients]


def _sync_fhir_slots(app, lanes):
    """Give every slot its FHIR Slot (as the schedule expansion does), so a booking updates it like in production."""
    from clinic.directory import DoctorInstitution
    from clinic.fhir_views import services as fhir_views
    from clinic.scheduling import Slot
    from core.auth import SYSTEM
    from core.extensions import db
    from records import api as records_api

    if not fhir_views.enabled():
        return
    db.session.commit()
    links = {(link.doctor_id, link.institution_id): link.id for link in db.session.query(DoctorInstitution)}
    ids = [slot_id for lane in lanes for slot_id in lane]
    for start in range(0, len(ids), 500):
        slots = db.session.query(Slot).filter(Slot.id.in_(ids[start:start + 500])).all()
        records_api.update_many(SYSTEM, [fhir_views.slot_resource(s, links[(s.doctor_id, s.institution_id)])
                                         for s in slots])
        db.session.commit()


def _client_thread(url, mode, headers, slot_ids, deadline, results, pace=None):
    """Closed loop (the next request when the answer comes), or with `pace` = (first send time, interval) an
    open loop: requests at fixed times, and a request's latency counts from its planned time, so a late
    send (the client was still waiting) is counted as waiting, not hidden (no coordinated omission)."""
    session = requests.Session()
    done = 0
    while done < MAX_REQUESTS_PER_CLIENT and (deadline is None or time.time() < deadline):
        planned = None
        if pace:
            planned = pace[0] + done * pace[1]
            if planned >= deadline:
                break
            time.sleep(max(0.0, planned - time.time()))
        if mode == "healthz":
            began = time.time()
            status = session.get(f"{url}/healthz", timeout=30).status_code
        else:
            if done >= len(slot_ids):
                results.append(("ran out", 0.0, time.time()))  # counted apart: this client had no slot left
                break
            began = time.time()
            status = session.post(f"{url}/api/v1/appointments", headers=headers, timeout=30,
                                  json={"slot_id": slot_ids[done], "kind": "in_person", "channel": "app"}).status_code
        ended = time.time()
        results.append((status, ended - (planned or began), ended))
        done += 1


def _client_process(job):
    """One process running a share of the clients as threads (the GIL would otherwise cap the client)."""
    url, mode, start_at, seconds, shares, interval = job
    results = []
    time.sleep(max(0.0, start_at - time.time()))  # every process starts the phase at the same instant
    deadline = start_at + seconds if seconds else None
    threads = [threading.Thread(target=_client_thread, args=(
        url, mode, {"Authorization": f"Bearer {token}"}, slots, deadline, results,
        (start_at + interval * offset, interval) if interval else None)) for token, slots, offset in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _phase(pool, url, mode, seconds, shares, processes, rate=None):
    """Run one phase on the (already started) client processes; ([(status, latency)], elapsed seconds).
    With `rate`, the clients together send `rate` requests/s at evenly staggered fixed times (open loop)."""
    start_at = time.time() + 0.5
    interval = len(shares) / rate if rate else None
    shares = [(token, slots, index / len(shares)) for index, (token, slots) in enumerate(shares)]
    jobs = [(url, mode, start_at, seconds, shares[p::processes], interval) for p in range(processes)]
    results = [r for chunk in pool.map(_client_process, jobs) for r in chunk]
    elapsed = max(end for _, _, end in results) - start_at if results else 0.0
    return [(status, latency) for status, latency, _ in results], elapsed


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _double_bookings(database_url):
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        over = conn.execute("SELECT count(*) FROM slots WHERE booked > capacity").fetchone()[0]
        excess = conn.execute("""SELECT coalesce(sum(n - capacity), 0) FROM (
            SELECT s.capacity, count(a.id) AS n FROM slots s JOIN appointments a ON a.slot_id = s.id
            WHERE a.status <> 'cancelled' GROUP BY s.id, s.capacity) t WHERE n > capacity""").fetchone()[0]
        mismatch = conn.execute("""SELECT count(*) FROM slots s WHERE s.booked <> (
            SELECT count(*) FROM appointments a WHERE a.slot_id = s.id AND a.status <> 'cancelled')""").fetchone()[0]
        booked = conn.execute("SELECT count(*) FROM appointments").fetchone()[0]
    return int(over) + int(excess), int(mismatch), int(booked)


def _server_cpu_seconds(pid):
    """CPU seconds (user + system) of the gunicorn master and its workers so far (Linux /proc)."""
    total = 0.0
    for proc in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{proc}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _children(pid):
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main():
    global DB_NAME
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes (one per CPU)")
    parser.add_argument("--threads", type=int, default=32, help="threads per gunicorn process")
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--database", default=DB_NAME, help="dropped and created (one per concurrent run)")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="also run an open-loop phase: the clients together offer this many bookings/s")
    parser.add_argument("--no-fhir-sync", action="store_true",
                        help="skip the FHIR Slot/Appointment writes (CLINIC_FHIR_SYNC=false), to see their cost")
    args = parser.parse_args()
    if "@127.0.0.1:" not in args.admin_url:
        parser.error("the benchmark only talks to 127.0.0.1")
    DB_NAME = args.database
    # Enough private slots for 60 bookings/s per client (64 clients: 3,840/s, far above what the box serves);
    # a client that runs out stops early, which the report counts ("ran out").
    per_client = min(MAX_REQUESTS_PER_CLIENT, int(args.seconds * 60) + 50)
    paced_per_client = int(args.rate * args.seconds / args.clients) + 2 if args.rate else 0
    database_url = args.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{DB_NAME}"
    _recreate_database(args.admin_url)
    instance = tempfile.mkdtemp(prefix="booking-bench-")
    env = _environment(database_url, instance)
    env["CLINIC_FHIR_SYNC"] = "false" if args.no_fhir_sync else "true"
    subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    print(f"loading {args.clients} patients, {args.clients * (per_client + paced_per_client) + HOT_SLOTS} slots ...",
          flush=True)
    tokens, lanes, hot = _load_data(env, args.clients, per_client + paced_per_client)
    lanes, paced_lanes = [lane[:per_client] for lane in lanes], [lane[per_client:] for lane in lanes]
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(BIN / "gunicorn"), "--worker-class", "gthread", "-w", str(args.workers), "--threads",
               str(args.threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
    log = open(Path(instance) / "gunicorn.log", "w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        processes = max(1, min(args.processes, args.clients))
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            pool.map(time.sleep, [0] * processes)  # the client processes are up before any phase starts
            cpu0 = _server_cpu_seconds(server.pid)
            health, health_time = _phase(pool, url, "healthz", args.seconds, [(t, []) for t in tokens], processes)
            cpu1 = _server_cpu_seconds(server.pid)
            bookings, booking_time = _phase(pool, url, "book", args.seconds, list(zip(tokens, lanes)), processes)
            cpu2 = _server_cpu_seconds(server.pid)
            paced = []
            if args.rate:
                paced, _ = _phase(pool, url, "book", args.seconds, list(zip(tokens, paced_lanes)), processes, args.rate)
            race_shares = [(t, random.Random(i).sample(hot, len(hot))) for i, t in enumerate(tokens)]
            race, _ = _phase(pool, url, "book", None, race_shares, processes)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    double, mismatch, total = _double_bookings(database_url)
    if not args.no_fhir_sync:
        view_lag.report(database_url.replace("postgresql+psycopg://", "postgresql://"),
                        phases={"closed loop": {s for lane in lanes for s in lane},
                                "open loop": {s for lane in paced_lanes for s in lane}})
    if not args.keep_db:
        _recreate_database(args.admin_url)
    ran_out = sum(s == "ran out" for s, _ in bookings)
    bookings = [(s, lat) for s, lat in bookings if s != "ran out"]
    race = [(s, lat) for s, lat in race if s != "ran out"]
    health_rate = sum(s == 200 for s, _ in health) / health_time
    booked = [lat for s, lat in bookings if s == 201]
    booking_rate = len(booked) / booking_time
    latencies = [lat for _, lat in bookings]
    race_status = [s for s, _ in race]
    print(f"command: {' '.join(command[1:])}  (clients {args.clients}, {args.seconds:g} s per phase, "
          f"FHIR sync {env['CLINIC_FHIR_SYNC']})")
    print(f"healthz: {health_rate:.0f} req/s ({len(health)} requests, {sum(s != 200 for s, _ in health)} errors)")
    print(f"booking: {booking_rate:.0f} bookings/s = {100 * booking_rate / health_rate:.0f}% of healthz "
          f"({len(booked)} booked, {sum(s >= 500 for s, _ in bookings)} 5xx, {len(bookings) - len(booked)} not 201)")
    if ran_out:
        print(f"WARNING: {ran_out} clients ran out of private slots before the time was up")
    print(f"booking latency: p50 {1000 * _percentile(latencies, 0.5):.1f} ms, "
          f"p99 {1000 * _percentile(latencies, 0.99):.1f} ms, mean {1000 * statistics.mean(latencies):.1f} ms")
    print(f"server CPU: {1000 * (cpu1 - cpu0) / max(1, len(health)):.2f} ms per healthz request, "
          f"{1000 * (cpu2 - cpu1) / max(1, len(bookings)):.2f} ms per booking request (gunicorn processes only)")
    if paced:
        paced_latencies = [lat for s, lat in paced if s != "ran out"]
        print(f"open loop at {args.rate:g} bookings/s offered: {sum(s == 201 for s, _ in paced)} booked in "
              f"{args.seconds:g} s, {sum(s != 201 for s, _ in paced)} not 201; latency from the planned send "
              f"p50 {1000 * _percentile(paced_latencies, 0.5):.1f} ms, p99 {1000 * _percentile(paced_latencies, 0.99):.1f} ms")
    print(f"race for {HOT_SLOTS} hot slots: {race_status.count(201)} booked, {race_status.count(409)} refused (409), "
          f"{sum(s >= 500 for s in race_status)} 5xx")
    print(f"database: {total} appointments, double bookings {double}, slot counters out of step {mismatch}")
    return 0 if double == 0 and mismatch == 0 and race_status.count(201) == HOT_SLOTS else 1


if __name__ == "__main__":
    sys.exit(main())
