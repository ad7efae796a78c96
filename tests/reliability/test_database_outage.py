"""The database goes away for a while (PostgreSQL behind a proxy the test cuts): the API answers clean
503s (problem details on /api, OperationOutcome on /fhir, never a 500 with a stack), /readyz fails,
and when the database is back the same process serves again without a restart."""
import time
from urllib.parse import urlsplit

import pytest
import requests

from tests.clinic.consult.conftest import queue  # noqa: F401 (fixture)
from tests.clinic.consult.sockets import Recorder
from tests.reliability import world
from tests.reliability.proxy import CuttableProxy
from tests.reliability.test_chat_restart import chat  # noqa: F401 (fixture)

pytestmark = [pytest.mark.live, pytest.mark.slow]


@pytest.fixture()
def proxy(app, postgres_only):
    target = urlsplit(app.config["SQLALCHEMY_DATABASE_URI"])
    proxy = CuttableProxy((target.hostname, target.port or 5432))
    yield proxy
    proxy.close()


def _calls(url, token, slot_id):
    """One read and one write on each surface, and the readiness probe: name -> response."""
    auth = {"Authorization": f"Bearer {token}"}
    return {
        "me": requests.get(f"{url}/api/v1/me", headers=auth, timeout=30),
        "book": requests.post(f"{url}/api/v1/appointments", headers=auth, timeout=30,
                              json={"slot_id": slot_id, "kind": "in_person", "channel": "app"}),
        "fhir": requests.get(f"{url}/fhir/Appointment", headers=auth, timeout=30),
        "readyz": requests.get(f"{url}/readyz", timeout=30),
    }


def test_database_outage_gives_clean_503s_and_recovers_without_a_restart(app, servers, proxy, chat):  # noqa: F811
    doctor, _, cid = chat
    target = urlsplit(app.config["SQLALCHEMY_DATABASE_URI"])
    (user_id, token), = world.patients(app, 1)
    first, second = world.slots(app, 2, doctors=1)
    server = servers(database_url=target._replace(netloc=f"{target.username}@127.0.0.1:{proxy.port}").geturl())
    up = _calls(server.url, token, first)
    assert {name: r.status_code for name, r in up.items()} == {"me": 200, "book": 201, "fhir": 200, "readyz": 200}
    talker = Recorder(server.url, doctor.token).connect()
    assert talker.call("join", {"consultation_id": cid})["ok"]
    message = {"consultation_id": cid, "client_id": "during-outage", "text": "still there?"}

    proxy.cut()
    began = time.monotonic()
    down = _calls(server.url, token, second)
    assert time.monotonic() - began < 30  # answered, not hung on a dead socket
    assert {name: r.status_code for name, r in down.items()} == {"me": 503, "book": 503, "fhir": 503, "readyz": 503}
    for name in ("me", "book"):
        assert down[name].headers["Content-Type"] == "application/problem+json"
        assert down[name].json()["code"] == "database_unavailable"
        assert down[name].headers["Retry-After"]
        assert "Traceback" not in down[name].text and "psycopg" not in down[name].text
    outcome = down["fhir"].json()
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["code"] == "transient"
    assert down["readyz"].json()["database"] == "unreachable"
    assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200  # alive, just not ready
    refused = talker.call("message", message, timeout=30)
    assert not refused["ok"] and refused["error"]["code"] == "database_unavailable"

    proxy.restore()
    deadline = time.monotonic() + 20
    while requests.get(f"{server.url}/readyz", timeout=30).status_code != 200:
        assert time.monotonic() < deadline, "not ready again after the database came back"
        time.sleep(0.2)
    again = _calls(server.url, token, second)
    assert {name: r.status_code for name, r in again.items()} == {"me": 200, "book": 201, "fhir": 200, "readyz": 200}
    assert talker.call("message", message, timeout=30)["seq"] == 1  # the client's resend is stored once
    talker.disconnect()
    assert server.proc.poll() is None  # the same process: recovered without a restart
