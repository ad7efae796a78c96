"""Server processes: a restart loses nothing (messages are in the database), and with Redis two
processes serve one consultation, the patient on one and the doctor on the other; a logout served by one
process closes the patient's socket held by the other."""
import os
import threading
import time

import pytest
import requests

from tests.clinic.consult.helpers import join, start_consultation
from tests.clinic.consult.procs import ServerProcess, require_redis
from tests.clinic.consult.sockets import NS, Recorder

pytestmark = [pytest.mark.live, pytest.mark.slow]
REDIS_URL = os.environ.get("CONSULT_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture()
def active(app, accounts, client, queue):
    """An active consultation (the patient joined once in-process, so the servers need no queue)."""
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    tc, ack = join(app, patient, consultation["id"])
    assert ack["consultation"]["status"] == "active"
    tc.disconnect("/consult")
    return doctor, patient, consultation["id"]


@pytest.fixture()
def servers(app):
    started = []

    def start(redis_url=None):
        server = ServerProcess(app.config["SQLALCHEMY_DATABASE_URI"], redis_url)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def test_messages_survive_a_server_restart(active, servers):
    doctor, patient, cid = active
    first = servers()
    p, d = Recorder(first.url, patient.token).connect(), Recorder(first.url, doctor.token).connect()
    p.call("join", {"consultation_id": cid})
    d.call("join", {"consultation_id": cid})
    for n in range(1, 6):
        assert d.call("message", {"consultation_id": cid, "client_id": f"d{n}", "text": f"m{n}"})["seq"] == n
    p.wait_for(lambda r: len(r.of("message")) >= 2)
    seen = max(m["seq"] for m in p.of("message")[:2])
    first.kill()  # a crash: nothing in memory survives
    second = servers()
    back = Recorder(second.url, patient.token, transports=("polling", "websocket")).connect()
    ack = back.call("join", {"consultation_id": cid, "last_seq": seen})
    assert ack["ok"] and ack["last_seq"] == 5
    history = back.wait_for(lambda r: [h for h in r.of("history") if h["complete"]])[0]
    assert [m["text"] for m in history["messages"]] == [f"m{n}" for n in range(seen + 1, 6)]
    doctor_back = Recorder(second.url, doctor.token).connect()
    doctor_back.call("join", {"consultation_id": cid, "last_seq": 5})
    assert doctor_back.call("message", {"consultation_id": cid, "client_id": "d6", "text": "m6"})["seq"] == 6
    assert back.wait_for(lambda r: r.of("message"))[0]["text"] == "m6"
    for recorder in (p, d, back, doctor_back):
        recorder.disconnect()


def test_two_processes_with_redis_serve_one_consultation(active, servers):
    require_redis(REDIS_URL)
    doctor, patient, cid = active
    one, two = servers(REDIS_URL), servers(REDIS_URL)
    p = Recorder(one.url, patient.token).connect()
    d = Recorder(two.url, doctor.token, transports=("polling", "websocket")).connect()
    assert p.call("join", {"consultation_id": cid})["ok"] and d.call("join", {"consultation_id": cid})["ok"]
    assert p.wait_for(lambda r: r.of("peer_joined") or r.of("peer_rejoined"))
    acks = []

    def send(recorder, who):
        for n in range(25):
            acks.append(recorder.call("message", {"consultation_id": cid, "client_id": f"{who}{n}", "text": f"{who}{n}"}))

    threads = [threading.Thread(target=send, args=(p, "p")), threading.Thread(target=send, args=(d, "d"))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(a["seq"] for a in acks) == list(range(1, 51))
    for recorder in (p, d):
        recorder.wait_for(lambda r: len(r.of("message")) == 50, timeout=20)
        assert sorted(m["seq"] for m in recorder.of("message")) == list(range(1, 51))  # nothing lost
    d.call("signal", {"consultation_id": cid, "type": "offer", "payload": {"sdp": "v=0"}})
    assert p.wait_for(lambda r: r.of("signal"))[0]["from"] == doctor.user_id
    assert not d.of("signal")
    p.disconnect()
    assert d.wait_for(lambda r: r.of("peer_left"))[0]["user_id"] == patient.user_id
    d.disconnect()


def test_a_logout_through_one_process_closes_the_socket_held_by_another(active, servers):
    require_redis(REDIS_URL)
    doctor, patient, cid = active
    one, two = servers(REDIS_URL), servers(REDIS_URL)  # each process polls revocations every second (default)
    p = Recorder(two.url, patient.token).connect()
    d = Recorder(one.url, doctor.token).connect()
    assert p.call("join", {"consultation_id": cid})["ok"] and d.call("join", {"consultation_id": cid})["ok"]
    revoked = time.monotonic()
    assert requests.post(f"{one.url}/api/v1/auth/logout", headers=patient.headers, timeout=10).status_code == 204
    assert p.wait_for(lambda r: [e for e in r.of("error") if e["code"] == "token_revoked"], timeout=8)
    assert time.monotonic() - revoked < 1 + 1.5  # TOKEN_REVOCATION_POLL_SECONDS + about a second
    deadline = time.monotonic() + 5
    while p.client.connected and NS in p.client.namespaces:
        assert time.monotonic() < deadline, "process two did not close the patient's socket"
        time.sleep(0.02)
    assert d.wait_for(lambda r: r.of("peer_left"))[0]["user_id"] == patient.user_id  # through Redis
    assert d.call("message", {"consultation_id": cid, "client_id": "after", "text": "after logout"})["seq"] == 1
    d.wait_for(lambda r: r.of("message"))
    time.sleep(0.3)
    assert not p.of("message")
    p.disconnect()
    d.disconnect()
