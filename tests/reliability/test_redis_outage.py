"""Redis down under a single server process (REDIS_URL set, Redis the Socket.IO message queue): chat
between two clients of that process keeps working (messages stored, acknowledged and delivered live;
only the fan-out to other processes is lost, and is replayed from the database on their next join),
whether Redis is a dead port from the start, goes away mid-chat, or stops answering."""
import time

import pytest

from tests.clinic.consult.conftest import queue  # noqa: F401 (fixture)
from tests.clinic.consult.procs import require_redis
from tests.clinic.consult.sockets import Recorder
from tests.reliability.conftest import REDIS_URL
from tests.reliability.proxy import CuttableProxy
from tests.reliability.test_chat_restart import chat  # noqa: F401 (fixture)

pytestmark = [pytest.mark.live, pytest.mark.slow]


def _redis_proxy():
    import redis

    require_redis(REDIS_URL)
    target = redis.connection.parse_url(REDIS_URL)
    return CuttableProxy((target.get("host", "127.0.0.1"), target.get("port", 6379))), target.get("db", 0)


def _talk(server, patient, doctor, cid, tag, count=3):
    """Both join, the doctor sends `count` messages: each is acknowledged quickly and reaches the patient."""
    p, d = Recorder(server.url, patient.token).connect(), Recorder(server.url, doctor.token).connect()
    assert p.call("join", {"consultation_id": cid})["ok"] and d.call("join", {"consultation_id": cid})["ok"]
    for n in range(count):
        began = time.monotonic()
        ack = d.call("message", {"consultation_id": cid, "client_id": f"{tag}{n}", "text": f"{tag}{n}"}, timeout=15)
        assert ack["ok"] and not ack["duplicate"]
        assert time.monotonic() - began < 8, "a message waited on the dead Redis"
    p.wait_for(lambda r: {m["text"] for m in r.of("message")} >= {f"{tag}{n}" for n in range(count)})
    p.disconnect()
    d.disconnect()


def test_chat_works_with_redis_dead_from_the_start(chat, servers):  # noqa: F811
    doctor, patient, cid = chat
    server = servers(redis_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    _talk(server, patient, doctor, cid, "dead")
    assert "Cannot publish to redis" in server.output()  # the failure is logged, not silent


@pytest.mark.parametrize("fault", ["cut", "freeze"])
def test_chat_keeps_working_when_redis_goes_away_mid_chat(chat, servers, fault):  # noqa: F811
    doctor, patient, cid = chat
    proxy, number = _redis_proxy()
    try:
        server = servers(redis_url=proxy.url("redis://", f"/{number}"))
        _talk(server, patient, doctor, cid, "up")
        getattr(proxy, fault)()
        _talk(server, patient, doctor, cid, fault)
        proxy.restore()
        _talk(server, patient, doctor, cid, "back")
    finally:
        proxy.close()
