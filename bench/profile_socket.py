"""The consulting rooms' message path in-process: CPU and database round trips per `message` event.

    .venv/bin/python bench/profile_socket.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/h_sockperf_bench \
        [--messages 500] [--profile] [--sort tottime]

One active consultation (bench.socket_bench.seed), the patient and the doctor joined through the
Flask-SocketIO test client; the patient sends `--messages` messages one after another. Prints CPU ms
per message (this process: the handler, SQLAlchemy, psycopg; not the websocket transport) and the
statements, connection check-outs and commits per message, which do not depend on the machine's load.
"""
import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NS = "/consult"


class Counter:
    """Counts statements, pool check-outs and commits on an engine."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.statements = self.checkouts = self.commits = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine.pool, "checkout", self._checkout)
        event.listen(engine, "commit", self._commit)

    def _statement(self, *args):
        self.statements += 1

    def _checkout(self, *args):
        self.checkouts += 1

    def _commit(self, *args):
        self.commits += 1

    def snapshot(self):
        return self.statements, self.checkouts, self.commits


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--profile", action="store_true", help="print a cProfile report of the timed messages")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    from bench._common import make_app
    from bench.socket_bench import seed
    from core.extensions import db, socketio

    app = make_app(args.database_url)
    [(cid, patient_token, doctor_token)] = seed(app, 1)
    patient = socketio.test_client(app, namespace=NS, auth={"token": patient_token})
    doctor = socketio.test_client(app, namespace=NS, auth={"token": doctor_token})
    for tc in (patient, doctor):
        assert tc.emit("join", {"consultation_id": cid}, namespace=NS, callback=True)["ok"]

    def send(n):
        ack = patient.emit("message", {"consultation_id": cid, "client_id": f"m{n}", "text": f"hello {n}"},
                           namespace=NS, callback=True)
        assert ack["ok"] and not ack["duplicate"], ack

    for n in range(50):  # warm up the statement caches
        send(f"w{n}")
    with app.app_context():
        counter = Counter(db.engine)
    profile = cProfile.Profile(time.thread_time) if args.profile else None  # CPU time, not wall
    before, cpu, wall = counter.snapshot(), time.thread_time(), time.perf_counter()
    if profile:
        profile.enable()
    for n in range(args.messages):
        send(n)
    if profile:
        profile.disable()
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    statements, checkouts, commits = (b - a for a, b in zip(before, counter.snapshot()))
    received = sum(1 for e in doctor.get_received(NS) if e["name"] == "message")
    per = args.messages
    print(f"{per} messages: {1000 * cpu / per:.2f} ms CPU and {1000 * wall / per:.2f} ms wall per message"
          f"{' (under the profiler)' if profile else ''}; per message {statements / per:.2f} statements, "
          f"{checkouts / per:.2f} connection check-outs (each a pre-ping), {commits / per:.2f} commits; "
          f"the doctor received {received}")
    if profile:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
