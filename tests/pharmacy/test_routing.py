"""Routing: stock, distance, delivery radius, hours, capacity, exclusions, competition, unroutable, retry."""
from datetime import datetime, timezone

from sqlalchemy import select

from core import clock
from core.extensions import db
from pharmacy.models import Stock
from tests.pharmacy.conftest import AMLODIPINE, METFORMIN, NINGBO

EAST_1KM, EAST_3KM, EAST_8KM = (NINGBO[0], NINGBO[1] + 0.0104), (NINGBO[0], NINGBO[1] + 0.031), (NINGBO[0], NINGBO[1] + 0.083)


def _offered_to(world, patient, patient_id, items=(AMLODIPINE,), **kwargs):
    return world.order(patient, world.approved(patient_id, items), **kwargs)


def test_the_nearest_pharmacy_with_every_item_gets_the_offer(world):
    world.pharmacy("near-partial", *EAST_1KM, stock={"C08CA01": 100})  # no metformin
    world.pharmacy("mid", *EAST_3KM, stock={"C08CA01": 100, "A10BA02": 100})
    world.pharmacy("far", *EAST_8KM, stock={"C08CA01": 100, "A10BA02": 100})
    patient_id, patient = world.patient()
    order = _offered_to(world, patient, patient_id, (AMLODIPINE, METFORMIN))
    assert order["pharmacy"]["id"] == "mid" and 2.5 < order["pharmacy"]["distance_km"] < 3.5


def test_reserved_stock_does_not_count(app, world):
    world.pharmacy("near", *EAST_1KM, stock={"C08CA01": 30})
    world.pharmacy("far", *EAST_8KM, stock={"C08CA01": 30})
    with app.app_context():
        db.session.execute(Stock.__table__.update().where(Stock.pharmacy_id == "near").values(reserved=5))
        db.session.commit()
    patient_id, patient = world.patient()
    assert _offered_to(world, patient, patient_id)["pharmacy"]["id"] == "far"  # 30 - 5 < 28


def test_delivery_respects_each_pharmacys_radius_and_pickup_only_shops(world):
    world.pharmacy("pickup-only", *EAST_1KM, stock={"C08CA01": 100}, delivery=False)
    world.pharmacy("small-radius", *EAST_3KM, stock={"C08CA01": 100}, delivery_radius_km=2)
    world.pharmacy("wide-radius", *EAST_8KM, stock={"C08CA01": 100}, delivery_radius_km=10)
    patient_id, patient = world.patient()
    assert _offered_to(world, patient, patient_id, mode="delivery")["pharmacy"]["id"] == "wide-radius"


def test_full_pharmacies_are_skipped(world):
    world.pharmacy("full", *EAST_1KM, stock={"C08CA01": 100}, capacity=0)
    world.pharmacy("free", *EAST_3KM, stock={"C08CA01": 100})
    patient_id, patient = world.patient()
    assert _offered_to(world, patient, patient_id)["pharmacy"]["id"] == "free"


def test_opening_hours_in_local_time_and_the_pickup_window(world):
    # Monday 2026-03-02 08:30 in Shanghai: "opens-9" opens in 30 minutes, "opens-11" in 150.
    clock.set_clock(lambda: datetime(2026, 3, 2, 0, 30, tzinfo=timezone.utc))
    weekdays = {d: ["09:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    late = {d: ["11:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    world.pharmacy("opens-11", *EAST_1KM, stock={"C08CA01": 100}, hours=late)
    world.pharmacy("opens-9", *EAST_3KM, stock={"C08CA01": 100}, hours=weekdays)
    world.pharmacy("open-now", *EAST_8KM, stock={"C08CA01": 100}, delivery_radius_km=10)
    patient_id, patient = world.patient()
    assert _offered_to(world, patient, patient_id)["pharmacy"]["id"] == "opens-9"  # pickup: within 60 min
    assert _offered_to(world, patient, patient_id, mode="delivery")["pharmacy"]["id"] == "open-now"


def test_a_closure_day_takes_a_pharmacy_out(world):
    clock.set_clock(lambda: datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))
    world.pharmacy("closed-today", *EAST_1KM, stock={"C08CA01": 100},
                   exceptions=[{"date": "2026-03-02", "hours": [], "note": "stocktaking"}])
    world.pharmacy("open", *EAST_3KM, stock={"C08CA01": 100})
    patient_id, patient = world.patient()
    assert _offered_to(world, patient, patient_id)["pharmacy"]["id"] == "open"


def test_a_declining_pharmacy_is_not_asked_again_and_the_last_decline_makes_it_unroutable(world, notes):
    world.pharmacy("a", *EAST_1KM, stock={"C08CA01": 100})
    world.pharmacy("b", *EAST_3KM, stock={"C08CA01": 100})
    a, b = world.pharmacist("a"), world.pharmacist("b")
    patient_id, patient = world.patient()
    order = _offered_to(world, patient, patient_id)
    oid = order["order_id"]
    assert order["pharmacy"]["id"] == "a"
    r = world.act(a, oid, "decline", reason="pharmacist off sick")
    assert r.status_code == 200 and r.get_json()["changed"] is True
    again = world.act(a, oid, "decline", reason="pharmacist off sick")
    assert again.status_code == 200 and again.get_json()["changed"] is False
    assert world.client.get(f"/api/v1/orders/{oid}", headers=patient).get_json()["pharmacy"]["id"] == "b"
    assert world.act(b, oid, "decline", reason="closing early").status_code == 200
    seen = world.client.get(f"/api/v1/orders/{oid}", headers=patient).get_json()
    assert seen["status"] == "unroutable" and seen["pharmacy"] is None
    assert ("order.unroutable", [f"Patient/{patient_id}", "Practitioner/prac-1"]) in [n[:2] for n in notes]
    # Nothing is lost: a retry starts a new round and asks the pharmacies again.
    r = world.client.post(f"/api/v1/orders/{oid}/retry", headers=patient)
    assert r.status_code == 200 and r.get_json()["status"] == "offered" and r.get_json()["round"] == 2
    assert world.client.post(f"/api/v1/orders/{oid}/retry", headers=patient).status_code == 409


def test_no_pharmacy_at_all_is_unroutable_at_once(world):
    patient_id, patient = world.patient()
    order = _offered_to(world, patient, patient_id)
    assert order["status"] == "unroutable" and order["pharmacy"] is None


def test_two_orders_competing_for_the_last_units(app, world):
    world.pharmacy("scarce", *EAST_1KM, stock={"C08CA01": 30})  # enough for one order of 28
    world.pharmacy("backup", *EAST_8KM, stock={"C08CA01": 100})
    scarce = world.pharmacist("scarce")
    p1, h1 = world.patient()
    p2, h2 = world.patient()
    first = _offered_to(world, h1, p1)
    second = _offered_to(world, h2, p2)
    assert first["pharmacy"]["id"] == second["pharmacy"]["id"] == "scarce"  # both fit before any reservation
    assert world.act(scarce, first["order_id"], "accept").status_code == 200
    r = world.act(scarce, second["order_id"], "accept")
    assert r.status_code == 409 and r.get_json()["code"] == "insufficient_stock"
    moved = world.client.get(f"/api/v1/orders/{second['order_id']}", headers=h2).get_json()
    assert moved["status"] == "offered" and moved["pharmacy"]["id"] == "backup"
    with app.app_context():
        row = db.session.scalar(select(Stock).where(Stock.pharmacy_id == "scarce"))
        assert (row.on_hand, row.reserved) == (30, 28)


def test_pharmacies_near_a_point(client, world):
    world.pharmacy("a", *EAST_1KM)
    world.pharmacy("b", *EAST_8KM)
    _, patient = world.patient()
    r = client.get(f"/api/v1/pharmacies?near={NINGBO[0]},{NINGBO[1]}&radius_km=5", headers=patient)
    assert r.status_code == 200 and [p["id"] for p in r.get_json()["items"]] == ["a"]
    nearest = r.get_json()["items"][0]
    assert nearest["open_now"] is True and 0.9 < nearest["distance_km"] < 1.1
    assert client.get("/api/v1/pharmacies?near=95,10", headers=patient).status_code == 422
    assert client.get("/api/v1/pharmacies?near=abc", headers=patient).status_code == 422
