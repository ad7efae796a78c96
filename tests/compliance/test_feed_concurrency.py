"""Real concurrent writers and a reader: doctors prescribing at once over HTTP while a regulator follows the feed
by cursor. The reader's pages, put together, are the whole feed: no entry ever appears behind a cursor already
passed (positions are committed in order), and every trace's sequence has no gap and no repeat."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.compliance.conftest import next_cursor, whole_feed
from tests.pharmacy.conftest import AMLODIPINE, METFORMIN

pytestmark = [pytest.mark.live, pytest.mark.slow]
WRITERS, EACH = 6, 4


def test_a_reader_following_the_cursor_misses_nothing_while_doctors_write(client, live_server, world, regulator):
    doctors = [world.doctor(f"prac-{n}") for n in range(WRITERS)]
    patients = [world.patient()[0] for _ in range(WRITERS)]
    jobs = [(n, world.consultation(patients[n], f"prac-{n}")) for n in range(WRITERS) for _ in range(EACH)]
    barrier, done = threading.Barrier(WRITERS), threading.Event()

    def write(n):
        session = requests.Session()
        barrier.wait(timeout=30)
        codes = []
        for writer, consultation in jobs:
            if writer == n:
                items = [AMLODIPINE if len(codes) % 2 else METFORMIN]
                r = session.post(f"{live_server.url}/api/v1/prescriptions", headers=doctors[n], timeout=60,
                                 json={"consultation_id": consultation, "items": items})
                codes.append(r.status_code)
        return codes

    def follow():
        session, seen, cursor = requests.Session(), [], None
        while True:
            finished = done.is_set()
            r = session.get(f"{live_server.url}/api/v1/supervision/feed", headers=regulator, timeout=60,
                            params={"limit": 5, **({"cursor": cursor} if cursor else {})})
            assert r.status_code == 200, r.text
            page = r.json()
            seen += page["items"]
            cursor = next_cursor(page)
            if finished and not page["items"]:
                return seen

    with ThreadPoolExecutor(max_workers=WRITERS + 1) as pool:
        reader = pool.submit(follow)
        writers = [pool.submit(write, n) for n in range(WRITERS)]
        codes = [code for w in writers for code in w.result(timeout=300)]
        done.set()
        followed = reader.result(timeout=120)
    assert codes == [201] * WRITERS * EACH
    everything = whole_feed(client, regulator)
    assert len(everything) == WRITERS * EACH
    assert [e["position"] for e in followed] == [e["position"] for e in everything]
    assert all(e["trace_seq"] == 1 for e in everything)  # one signed entry per prescription chain
