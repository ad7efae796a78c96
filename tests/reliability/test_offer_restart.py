"""A crash during a pharmacy offer window: an order is offered to pharmacy a, the server is killed with
SIGKILL and started again; when the deadline passes the sweep (its own process, as the scheduler
leader runs it) still expires the offer and re-routes the order to pharmacy b, which can accept it."""
from datetime import datetime, timedelta

import pytest
import requests

from core import clock
from core.scheduler import run_job
from tests.pharmacy.conftest import consultations, notes, world  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.live, pytest.mark.slow]


def test_an_offer_still_expires_and_reroutes_after_a_crash(app, world, servers, job_process):  # noqa: F811
    world.pharmacy("a", stock={"C08CA01": 100})
    world.pharmacy("b", lat=29.88, stock={"C08CA01": 100})
    a, b = world.pharmacist("a"), world.pharmacist("b")
    patient_id, patient = world.patient()
    server = servers()
    order = requests.post(f"{server.url}/api/v1/prescriptions/{world.approved(patient_id)}/fulfilment", timeout=20,
                          headers=patient, json={"mode": "pickup", "location": {"lat": 29.8683, "lon": 121.5440}})
    assert order.status_code == 201, order.text
    oid, deadline = order.json()["order_id"], order.json()["offer_deadline"]
    assert order.json()["pharmacy"]["id"] == "a"
    offered = requests.get(f"{server.url}/api/v1/pharmacy/orders", headers=a, timeout=20).json()["items"]
    assert [o["order_id"] for o in offered] == [oid]

    server.kill()  # mid-window: nothing about the offer lives in the process
    server.start()
    assert run_job(app, "pharmacy.expire_offers") == 0  # the window is still open
    after = datetime.fromisoformat(deadline) + timedelta(seconds=1)
    assert job_process("pharmacy.expire_offers", at=after).result() == "1"

    seen = requests.get(f"{server.url}/api/v1/orders/{oid}", headers=patient, timeout=20).json()
    assert seen["status"] == "offered" and seen["pharmacy"]["id"] == "b"
    assert requests.post(f"{server.url}/api/v1/pharmacy/orders/{oid}/accept", headers=a, timeout=20).status_code == 404
    accepted = requests.post(f"{server.url}/api/v1/pharmacy/orders/{oid}/accept", headers=b, timeout=20)
    assert accepted.status_code == 200, accepted.text
    clock.set_clock(lambda: after + timedelta(hours=1))
    assert run_job(app, "pharmacy.expire_offers") == 0  # accepted: it stays with b
