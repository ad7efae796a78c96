"""Real concurrent clients (threads over HTTP against the live server).

Defined outcome of N identical accepts on one offered order, from several pharmacists of the
offered pharmacy: exactly one 200 with changed=true (it reserved the stock); every other one is the
idempotent 200 with changed=false and status accepted, or a clean 409 problem (never a 5xx). Stock
is reserved exactly once and never goes negative.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from core.extensions import db
from pharmacy.models import Dispense, Pharmacy, Stock
from tests.pharmacy.fhir import resources

pytestmark = [pytest.mark.live, pytest.mark.slow]


def _race(url, headers_list, n):
    """POST `url` n times at once (a barrier releases every thread together); return the responses."""
    barrier = threading.Barrier(n)

    def shoot(i):
        session = requests.Session()
        barrier.wait(timeout=30)
        response = session.post(url, headers=headers_list[i % len(headers_list)], timeout=120)
        return response.status_code, response.headers.get("Content-Type", ""), response.json()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(shoot, range(n)))


def _stock(app, pharmacy_id):
    with app.app_context():
        row = db.session.scalar(select(Stock).where(Stock.pharmacy_id == pharmacy_id))
        return row.on_hand, row.reserved


def _assert_clean(results):
    for status, content_type, body in results:
        assert status < 500, body
        if status >= 400:
            assert content_type.startswith("application/problem+json") and body["code"], body


def test_a_hundred_concurrent_accepts_reserve_once(app, live_server, world):
    world.pharmacy("shop", stock={"C08CA01": 100})
    pharmacists = [world.pharmacist("shop") for _ in range(5)]
    patient_id, patient = world.patient()
    order = world.order(patient, world.approved(patient_id))
    results = _race(f"{live_server.url}/api/v1/pharmacy/orders/{order['order_id']}/accept", pharmacists, 100)
    _assert_clean(results)
    changed = [body for status, _, body in results if status == 200 and body["changed"]]
    replays = [body for status, _, body in results if status == 200 and not body["changed"]]
    conflicts = [body for status, _, body in results if status == 409]
    print(f"100 concurrent accepts: {len(changed)} changed, {len(replays)} idempotent 200, {len(conflicts)} 409")
    assert len(changed) == 1
    assert len(replays) + len(conflicts) == 99 and all(b["status"] == "accepted" for b in replays)
    assert _stock(app, "shop") == (100, 28)
    with app.app_context():
        assert db.session.get(Pharmacy, "shop").open_orders == 1


def test_concurrent_dispenses_book_out_once(app, live_server, world):
    world.pharmacy("shop", stock={"C08CA01": 100})
    pharmacists = [world.pharmacist("shop") for _ in range(3)]
    patient_id, patient = world.patient()
    oid = world.order(patient, world.approved(patient_id))["order_id"]
    assert world.act(pharmacists[0], oid, "accept").status_code == 200
    assert world.act(pharmacists[0], oid, "prepared").status_code == 200
    results = _race(f"{live_server.url}/api/v1/pharmacy/orders/{oid}/picked-up", pharmacists, 30)
    _assert_clean(results)
    assert sum(1 for status, _, body in results if status == 200 and body["changed"]) == 1
    assert _stock(app, "shop") == (72, 0)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Dispense)) == 1
        assert db.session.get(Pharmacy, "shop").open_orders == 0
    assert len(resources(app, "MedicationDispense", subject=f"Patient/{patient_id}")) == 1


def test_orders_racing_for_scarce_stock_never_overdraw_it(app, live_server, world):
    world.pharmacy("scarce", stock={"C08CA01": 140})  # five orders of 28 fit, not ten
    world.pharmacy("backup", lat=29.95, stock={"C08CA01": 1000})
    pharmacist = world.pharmacist("scarce")
    orders = []
    for _ in range(10):
        patient_id, patient = world.patient()
        orders.append(world.order(patient, world.approved(patient_id)))
    assert {o["pharmacy"]["id"] for o in orders} == {"scarce"}
    barrier = threading.Barrier(len(orders))

    def accept(order):
        barrier.wait(timeout=30)
        r = requests.post(f"{live_server.url}/api/v1/pharmacy/orders/{order['order_id']}/accept",
                          headers=pharmacist, timeout=120)
        return r.status_code, r.headers.get("Content-Type", ""), r.json()

    with ThreadPoolExecutor(max_workers=len(orders)) as pool:
        results = list(pool.map(accept, orders))
    _assert_clean(results)
    assert sorted(status for status, _, _ in results) == [200] * 5 + [409] * 5
    assert {body["code"] for status, _, body in results if status == 409} == {"insufficient_stock"}
    assert _stock(app, "scarce") == (140, 140)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Stock).where(
            (Stock.on_hand < 0) | (Stock.reserved < 0) | (Stock.reserved > Stock.on_hand))) == 0
    listed = world.client.get("/api/v1/pharmacy/orders?status=offered",
                              headers=world.pharmacist("backup")).get_json()["items"]
    assert len(listed) == 5
