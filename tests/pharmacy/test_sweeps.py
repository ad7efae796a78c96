"""Offer deadlines: the sweep (called directly, with a controlled clock) expires offers and re-routes."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from core import clock
from core.extensions import db
from pharmacy.models import Offer
from pharmacy.sweeps import expire_offers

START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


def test_unanswered_offers_expire_one_pharmacy_after_another_until_unroutable(app, world, notes):
    now = [START]
    clock.set_clock(lambda: now[0])
    world.pharmacy("a", stock={"C08CA01": 100})
    world.pharmacy("b", lat=29.88, stock={"C08CA01": 100})
    a = world.pharmacist("a")
    patient_id, patient = world.patient()
    order = world.order(patient, world.approved(patient_id))
    oid = order["order_id"]
    assert order["pharmacy"]["id"] == "a"

    with app.app_context():
        assert expire_offers() == 0  # nothing is due yet
        now[0] = START + timedelta(seconds=app.config["PHARMACY_OFFER_TTL_SECONDS"] + 1)
        r = world.act(a, oid, "accept")  # too late, even before the sweep ran
        assert r.status_code == 409 and r.get_json()["code"] == "offer_expired"
        assert expire_offers() == 1
        db.session.commit()
        assert expire_offers() == 0  # idempotent: a second run finds nothing
    seen = world.client.get(f"/api/v1/orders/{oid}", headers=patient).get_json()
    assert seen["status"] == "offered" and seen["pharmacy"]["id"] == "b"
    assert world.act(a, oid, "accept").status_code == 404  # no longer offered to a

    with app.app_context():
        now[0] += timedelta(hours=1)
        assert expire_offers() == 1
        db.session.commit()
        statuses = dict(db.session.execute(select(Offer.pharmacy_id, Offer.status)).all())
    assert statuses == {"a": "expired", "b": "expired"}
    assert world.client.get(f"/api/v1/orders/{oid}", headers=patient).get_json()["status"] == "unroutable"
    assert "order.unroutable" in [n[0] for n in notes]


def test_the_sweep_is_registered_as_a_periodic_job(app):
    from core.scheduler import periodic_jobs

    assert periodic_jobs()["pharmacy.expire_offers"][0] is expire_offers
