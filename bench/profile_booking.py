"""Profile booking requests in-process (Flask test client, PostgreSQL on 127.0.0.1) with cProfile.

    /work/main/.venv/bin/python bench/profile_booking.py [--bookings 300] [--no-fhir-sync] [--sort tottime]
        [--database clinic_prof]

Creates (and drops) the database `clinic_prof` (or `--database`), loads the booking benchmark's data for one client (its
slots with their FHIR Slots) and books them one after another through `POST /api/v1/appointments`;
prints the CPU ms per booking without the profiler (best and median of 5 blocks of 20: CPU time still
moves with the machine's load), the SQL statements sent per booking (psycopg executes, pipelined ones
included, and the COMMIT), then the same for draining the FHIR view outbox (the Slot and Appointment
views written after the commit, clinic.fhir_views.outbox; in batches of 20 bookings, and one booking at a
time), and the top of a CPU-time cProfile of the requests (whose function-call count per booking does
not depend on the load).
"""
import argparse
import cProfile
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import booking_bench  # noqa: E402


class StatementCounter:
    """Counts the statements sent to PostgreSQL (psycopg cursor executes, COPYs) and the commits."""

    def __init__(self):
        import psycopg

        self.count = 0
        self.sql = None  # a list: the SQL text of each statement, while someone wants it
        for cls, name in ((psycopg.Cursor, "execute"), (psycopg.Cursor, "executemany"), (psycopg.Cursor, "copy"),
                          (psycopg.Connection, "commit")):
            original = getattr(cls, name)
            setattr(cls, name, self._counting(original))

    def _counting(self, original):
        def counted(*args, **kwargs):
            self.count += 1
            if self.sql is not None:
                self.sql.append(" ".join(str(args[1] if len(args) > 1 else original.__name__).split())[:150])
            return original(*args, **kwargs)

        return counted


def _book(client, headers, slot_id):
    response = client.post("/api/v1/appointments", headers=headers,
                           json={"slot_id": slot_id, "kind": "in_person", "channel": "app"})
    assert response.status_code == 201, response.get_data(as_text=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=300)
    parser.add_argument("--no-fhir-sync", action="store_true")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="clinic_prof", help="dropped and created (one per concurrent run)")
    args = parser.parse_args()
    booking_bench.DB_NAME = args.database
    database_url = args.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{args.database}"
    booking_bench._recreate_database(args.admin_url)
    env = booking_bench._environment(database_url, tempfile.mkdtemp(prefix="booking-prof-"))
    env["CLINIC_FHIR_SYNC"] = "false" if args.no_fhir_sync else "true"
    # The FHIR views follow through the outbox (clinic.fhir_views.outbox): the drain is measured on its own below,
    # not by a thread of this process mixing its CPU and statements into the requests'.
    env["CLINIC_FHIR_VIEW_DRAINER"] = "false"
    subprocess.run([str(booking_bench.BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    tokens, lanes, _ = booking_bench._load_data(env, 1, args.bookings + 150)
    from cloud_hospital.app import create_app

    app = create_app()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tokens[0]}"}
    slots = iter(lanes[0])
    from clinic.fhir_views.services import drain_views

    for _ in range(20):  # warm up
        _book(client, headers, next(slots))
    drain_views(app)
    counter = StatementCounter()
    blocks, drains, statements, drained = [], [], 0, 0
    for _ in range(5):  # CPU time moves with the machine's load: report the best and the median block
        cpu, before = time.process_time(), counter.count
        for _ in range(20):
            _book(client, headers, next(slots))
        blocks.append(1000 * (time.process_time() - cpu) / 20)
        statements += counter.count - before
        cpu, before = time.process_time(), counter.count
        drain_views(app)  # the views of the block's 20 bookings, as the drainer batches them
        drains.append(1000 * (time.process_time() - cpu) / 20)
        drained += counter.count - before
    counter.sql = []
    _book(client, headers, next(slots))
    print(f"the statements of one booking request ({len(counter.sql)}):")
    for number, sql in enumerate(counter.sql, 1):
        print(f"  {number:2}. {sql}")
    counter.sql = None
    drain_views(app)
    print(f"without profiler: {min(blocks):.2f} ms CPU per booking request (best of 5 x 20; median "
          f"{sorted(blocks)[2]:.2f}), {statements / 100:.1f} SQL statements per booking request (incl. COMMIT)")
    print(f"outbox drain, 20 bookings a batch: {min(drains):.2f} ms CPU per booking (median {sorted(drains)[2]:.2f}), "
          f"{drained / 100:.1f} SQL statements per booking")
    cpu, before = time.process_time(), counter.count
    for _ in range(20):  # the worst case: a drain per booking (an idle server)
        _book(client, headers, next(slots))
        drain_views(app)
    print(f"booking + its own drain, one at a time: {1000 * (time.process_time() - cpu) / 20:.2f} ms CPU, "
          f"{(counter.count - before) / 20:.1f} SQL statements per booking")
    profile = cProfile.Profile(time.process_time)  # CPU time: waits on PostgreSQL do not count
    cpu, wall = time.process_time(), time.perf_counter()
    profile.enable()
    for _ in range(args.bookings):
        _book(client, headers, next(slots))
    profile.disable()  # the requests only (the views are drained below, outside the profile)
    drain_views(app)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{args.bookings} bookings: {1000 * cpu / args.bookings:.2f} ms CPU, "
          f"{1000 * wall / args.bookings:.2f} ms wall per booking (profiler on)")
    profile.dump_stats("/tmp/booking.prof")
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    with app.app_context():
        from core.extensions import db
        db.engine.dispose()
    booking_bench._recreate_database(args.admin_url)


if __name__ == "__main__":
    main()
