"""The fulfilment state machine over HTTP: legal paths, 409 for illegal ones, idempotent repeats,
exactly-once dispensing, cancellation releasing reservations."""
from sqlalchemy import func, select

from core.extensions import db
from pharmacy.models import Dispense, Pharmacy, Stock


def _accepted(world, mode="pickup", stock=100):
    world.pharmacy("shop", stock={"C08CA01": stock})
    pharmacist = world.pharmacist("shop")
    patient_id, patient = world.patient()
    order = world.order(patient, world.approved(patient_id), mode=mode)
    assert world.act(pharmacist, order["order_id"], "accept").status_code == 200
    return order["order_id"], pharmacist, patient


def _counts(app):
    with app.app_context():
        row = db.session.scalar(select(Stock).where(Stock.pharmacy_id == "shop"))
        dispenses = db.session.scalar(select(func.count()).select_from(Dispense))
        open_orders = db.session.get(Pharmacy, "shop").open_orders
        return row.on_hand, row.reserved, dispenses, open_orders


def test_delivery_path_and_a_repeated_dispense_books_out_once(app, world, notes):
    oid, pharmacist, patient = _accepted(world, mode="delivery")
    assert _counts(app) == (100, 28, 0, 1)
    assert world.act(pharmacist, oid, "picked-up").status_code == 409  # not prepared yet, and not a pickup order
    assert world.act(pharmacist, oid, "prepared").get_json()["changed"] is True
    assert world.act(pharmacist, oid, "prepared").get_json()["changed"] is False
    assert world.act(pharmacist, oid, "picked-up").status_code == 409  # delivery orders go out for delivery
    first = world.act(pharmacist, oid, "out-for-delivery")
    second = world.act(pharmacist, oid, "out-for-delivery")
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.get_json()["changed"], second.get_json()["changed"]) == (True, False)
    assert _counts(app) == (72, 0, 1, 0)
    assert world.act(pharmacist, oid, "delivered").get_json()["status"] == "delivered"
    assert world.act(pharmacist, oid, "delivered").get_json()["changed"] is False
    assert world.act(pharmacist, oid, "accept").status_code == 409
    assert _counts(app) == (72, 0, 1, 0)
    assert [n[0] for n in notes if n[0].startswith("order.")][-3:] == [
        "order.prepared", "order.out_for_delivery", "order.delivered"]


def test_pickup_dispensed_twice_sequentially_writes_one_dispense(app, world):
    oid, pharmacist, _ = _accepted(world)
    world.act(pharmacist, oid, "prepared")
    assert [world.act(pharmacist, oid, "picked-up").status_code for _ in range(3)] == [200, 200, 200]
    assert _counts(app) == (72, 0, 1, 0)
    assert world.act(pharmacist, oid, "out-for-delivery").status_code == 409


def test_accept_twice_reserves_once(app, world):
    oid, pharmacist, _ = _accepted(world)
    r = world.act(pharmacist, oid, "accept")
    assert r.status_code == 200 and r.get_json()["changed"] is False
    assert _counts(app) == (100, 28, 0, 1)


def test_cancel_releases_the_reservation_and_capacity(app, world, notes):
    oid, pharmacist, patient = _accepted(world)
    world.act(pharmacist, oid, "prepared")
    r = world.client.post(f"/api/v1/orders/{oid}/cancel", headers=patient)
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled" and r.get_json()["changed"] is True
    again = world.client.post(f"/api/v1/orders/{oid}/cancel", headers=patient)
    assert again.status_code == 200 and again.get_json()["changed"] is False
    assert _counts(app) == (100, 0, 0, 0)
    assert ("order.cancelled", ["Pharmacy/shop"]) in [n[:2] for n in notes]
    r = world.act(pharmacist, oid, "picked-up")  # the pharmacy sees why: the order was cancelled
    assert r.status_code == 409 and r.get_json()["current_status"] == "cancelled"


def test_cancel_of_an_offer_withdraws_it_and_a_new_order_may_follow(app, world):
    world.pharmacy("shop", stock={"C08CA01": 100})
    pharmacist = world.pharmacist("shop")
    patient_id, patient = world.patient()
    prescription_id = world.approved(patient_id)
    order = world.order(patient, prescription_id)
    assert world.order(patient, prescription_id, expect=409)["code"] == "order_exists"
    assert world.client.post(f"/api/v1/orders/{order['order_id']}/cancel", headers=patient).status_code == 200
    assert world.act(pharmacist, order["order_id"], "accept").get_json()["current_status"] == "cancelled"
    assert world.order(patient, prescription_id)["status"] == "offered"
    assert _counts(app) == (100, 0, 0, 0)


def test_no_cancel_after_dispensing(app, world):
    oid, pharmacist, patient = _accepted(world)
    world.act(pharmacist, oid, "prepared")
    world.act(pharmacist, oid, "picked-up")
    r = world.client.post(f"/api/v1/orders/{oid}/cancel", headers=patient)
    assert r.status_code == 409 and r.get_json()["code"] == "illegal_transition"
    assert _counts(app) == (72, 0, 1, 0)


def test_a_full_pharmacy_cannot_accept_and_the_order_moves_on(app, world):
    world.pharmacy("shop", stock={"C08CA01": 100}, capacity=1)
    world.pharmacy("other", lat=29.88, stock={"C08CA01": 100})
    pharmacist = world.pharmacist("shop")
    first_id, first = world.patient()
    second_id, second = world.patient()
    a = world.order(first, world.approved(first_id))
    b = world.order(second, world.approved(second_id))
    assert a["pharmacy"]["id"] == b["pharmacy"]["id"] == "shop"
    assert world.act(pharmacist, a["order_id"], "accept").status_code == 200
    r = world.act(pharmacist, b["order_id"], "accept")
    assert r.status_code == 409 and r.get_json()["code"] == "at_capacity"
    assert world.client.get(f"/api/v1/orders/{b['order_id']}", headers=second).get_json()["pharmacy"]["id"] == "other"
