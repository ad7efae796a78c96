"""Consulting-room benchmark: N connected Socket.IO clients in N/2 consultations exchanging messages
against ONE server process (gunicorn gthread, one worker); reports delivery latency p50/p99,
messages/s, lost messages and the server's RSS. Loopback only, bounded in time and count.

    python -m bench.socket_bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/consult_bench \
        --clients 1000 --messages 10 --interval 2.0

Set-up writes users, tokens, rooms and active consultations straight into the database (the risk
check and the queue are not what is measured). Clients run in --workers processes; each message
carries its send time, and latency is send -> the *other* participant's `message` event.
"""
import argparse
import json
import multiprocessing
import random
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NS = "/consult"


def seed(app, pairs):
    """Users, tokens, rooms and active consultations; returns [(consultation_id, patient_token, doctor_token)]."""
    from sqlalchemy import text

    from clinic.consult import Consultation, ConsultParticipant, ConsultRoom
    from core import clock
    from core.auth import issue_token
    from core.extensions import db
    from core.models import User
    from core.types import new_id

    with app.app_context():
        for table in ("consult_messages", "consult_participants", "consultations", "consult_rooms", "access_tokens"):
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.execute(text("DELETE FROM users WHERE username LIKE 'bench-%'"))
        db.session.commit()
        app.config["TOKEN_TTL_SECONDS"] = 6 * 3600
        out, now = [], clock.now()
        for n in range(pairs):
            patient = User(id=new_id(), role="patient", username=f"bench-p{n}", password_hash="x", name=f"P{n}",
                           patient_id=new_id())
            doctor = User(id=new_id(), role="doctor", username=f"bench-d{n}", password_hash="x", name=f"D{n}",
                          practitioner_id=new_id())
            room = ConsultRoom(id=new_id(), code=f"bench-{n}", name=f"Room {n}", clinic="general_medicine",
                               status="open", doctor_user_id=doctor.id, practitioner_id=doctor.practitioner_id)
            consultation = Consultation(id=new_id(), room_id=room.id, patient_id=patient.patient_id,
                                        patient_user_id=patient.id, practitioner_id=doctor.practitioner_id,
                                        doctor_user_id=doctor.id, status="active", invited_at=now, started_at=now,
                                        last_activity_at=now + timedelta(hours=1))
            room.current_consultation_id = consultation.id
            db.session.add_all([patient, doctor, room])
            db.session.flush()
            db.session.add(consultation)
            db.session.flush()
            db.session.add_all([ConsultParticipant(consultation_id=consultation.id, user_id=patient.id, role="patient"),
                                ConsultParticipant(consultation_id=consultation.id, user_id=doctor.id, role="doctor")])
            out.append((consultation.id, issue_token(patient)[0], issue_token(doctor)[0]))
        db.session.commit()
    return out


def run_worker(url, pairs, messages, interval, transport, start_at, results, ready):
    """One client process: connect and join its pairs, send `messages` each at `interval`, measure."""
    import socketio

    latencies, lock, got, acked, errors = [], threading.Lock(), {}, [0], []
    clients = []

    def make(cid, token, me):
        client = socketio.Client(reconnection=False)

        def on_message(data):
            body = json.loads(data["text"])
            if body["from"] != me:
                with lock:
                    latencies.append(time.time() - body["t"])
                    got[(cid, me)] = got.get((cid, me), 0) + 1

        client.on("message", on_message, namespace=NS)
        client.connect(url, auth={"token": token}, namespaces=[NS], transports=[transport], wait_timeout=30)
        ack = client.call("join", {"consultation_id": cid}, namespace=NS, timeout=30)
        if not ack.get("ok"):
            errors.append(ack)
        return client

    for index, (cid, patient_token, doctor_token) in enumerate(pairs):
        clients.append((cid, f"p{index}", make(cid, patient_token, f"p{index}")))
        clients.append((cid, f"d{index}", make(cid, doctor_token, f"d{index}")))
    ready.put(len(clients))
    time.sleep(max(0.0, start_at - time.time()))
    started = time.time()

    def on_ack(response):
        with lock:
            if response.get("ok"):
                acked[0] += 1
            else:
                errors.append(response)

    for round_number in range(messages):
        round_start = time.time()
        random.shuffle(clients)
        for position, (cid, me, client) in enumerate(clients):
            due = round_start + interval * position / len(clients)
            time.sleep(max(0.0, due - time.time()))
            body = json.dumps({"from": me, "t": time.time()})
            client.emit("message", {"consultation_id": cid, "client_id": f"{me}-{round_number}", "text": body},
                        namespace=NS, callback=on_ack)
        time.sleep(max(0.0, round_start + interval - time.time()))
    deadline = time.time() + 15
    expected = len(clients) * messages  # every message reaches the one other participant once
    while time.time() < deadline and sum(got.values()) < expected:
        time.sleep(0.1)
    elapsed = time.time() - started
    for _, _, client in clients:
        client.eio.disconnect(abort=True) if transport == "websocket" else client.disconnect()
    results.put({"latencies": latencies, "received": sum(got.values()), "expected": expected, "acked": acked[0],
                 "errors": errors[:5], "elapsed": elapsed})


def rss_mb(pid):
    """Resident set size of `pid` and its children, in MiB."""
    import subprocess

    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                     text=True).stdout.split()]
    total = 0
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def cpu_seconds(pid):
    """User + system CPU seconds of `pid` and its children (the gunicorn master and its worker)."""
    import os
    import subprocess

    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                     text=True).stdout.split()]
    total = 0
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=10, help="messages each client sends")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between a client's messages")
    parser.add_argument("--workers", type=int, default=4, help="client processes")
    parser.add_argument("--threads", type=int, default=0, help="gunicorn threads (default: clients + 100)")
    parser.add_argument("--idle-seconds", type=float, default=10.0,
                        help="connected and joined, nothing sent: the server's idle CPU is measured over this")
    parser.add_argument("--transport", default="websocket", choices=("websocket", "polling"))
    args = parser.parse_args()
    from bench._common import make_app
    from tests.clinic.consult.procs import ServerProcess

    app = make_app(args.database_url)
    pairs = seed(app, args.clients // 2)
    server = ServerProcess(args.database_url)
    server_threads = args.threads or args.clients + 100
    # gunicorn gthread: one thread per open websocket; the heartbeat timeout is relaxed for the ramp-up.
    server.start_args = ["--threads", str(server_threads), "--worker-connections", str(server_threads + 200),
                         "--timeout", "300"]
    server.start()
    try:
        print(f"server pid {server.proc.pid} on {server.url}; {len(pairs)} consultations, {2 * len(pairs)} clients",
              flush=True)
        joined_by = time.time() + 5 + args.clients / 50
        results, ready, start_at = multiprocessing.Queue(), multiprocessing.Queue(), joined_by + args.idle_seconds
        chunks = [pairs[i::args.workers] for i in range(args.workers)]
        procs = [multiprocessing.Process(target=run_worker, args=(server.url, chunk, args.messages, args.interval,
                                                                  args.transport, start_at, results, ready))
                 for chunk in chunks if chunk]
        [p.start() for p in procs]
        [ready.get(timeout=600) for _ in procs]
        if time.time() > start_at - 1:
            print("warning: the clients joined too late for the idle measurement", flush=True)
        idle_start, idle_cpu = time.time(), cpu_seconds(server.proc.pid)  # every client connected and joined
        time.sleep(max(0.0, start_at - time.time()))
        idle_rate = (cpu_seconds(server.proc.pid) - idle_cpu) / max(time.time() - idle_start, 1e-9)
        cpu_start = cpu_seconds(server.proc.pid)  # from here on the CPU is the messages' (and the idle load's)
        time.sleep(args.messages * args.interval / 2)
        rss_mid = rss_mb(server.proc.pid)
        reports = [results.get(timeout=args.messages * args.interval + 600) for _ in procs]
        cpu_used = cpu_seconds(server.proc.pid) - cpu_start
        [p.join(30) for p in procs]
        rss_end = rss_mb(server.proc.pid)
    finally:
        server.stop()
    latencies = sorted(x for r in reports for x in r["latencies"])
    received, expected = sum(r["received"] for r in reports), sum(r["expected"] for r in reports)
    elapsed = max(r["elapsed"] for r in reports)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
    print(f"clients {2 * len(pairs)}, consultations {len(pairs)}, messages sent {expected}, acked "
          f"{sum(r['acked'] for r in reports)}, received by the peer {received}, lost {expected - received}")
    print(f"delivery latency p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    print(f"throughput {expected / elapsed:.0f} messages/s stored ({2 * expected / elapsed:.0f} deliveries/s) "
          f"over {elapsed:.1f}s")
    net = cpu_used - idle_rate * elapsed
    print(f"server CPU idle (all connected, nothing sent) {100 * idle_rate:.1f} % of a core; message phase {cpu_used:.1f} s "
          f"= {1000 * cpu_used / max(expected, 1):.2f} ms per message, {1000 * net / max(expected, 1):.2f} ms per message "
          f"above idle (the load-independent figure)")
    print(f"server RSS {rss_mid:.0f} MiB during, {rss_end:.0f} MiB after; errors {[r['errors'] for r in reports]}")


if __name__ == "__main__":
    main()
