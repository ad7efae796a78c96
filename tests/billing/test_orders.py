"""An order's charge: medicine at the price list and delivery; the pharmacy that takes it is paid; an order no
pharmacy accepts, or a cancelled one, is refunded."""
import pytest

from tests.pharmacy.conftest import World as PharmacyWorld
from tests.pharmacy.conftest import consultations  # noqa: F401  (fixture)


@pytest.fixture()
def pharmacy_world(client, accounts, consultations):  # noqa: F811
    return PharmacyWorld(client, accounts, consultations)


def _prices(client, admin):
    for body in ({"payee_id": "*", "service": "medicine", "code": "C08CA01", "amount_fen": 150},
                 {"payee_id": "*", "service": "delivery", "amount_fen": 800}):
        assert client.post("/api/v1/fees", json=body, headers=admin).status_code == 201


def test_an_order_is_charged_at_its_pharmacys_price(client, billing, pharmacy_world):
    _prices(client, billing.admin)
    assert client.post("/api/v1/fees", json={"payee_id": "near", "service": "medicine", "code": "C08CA01",
                                             "amount_fen": 120}, headers=billing.admin).status_code == 201
    pharmacy_world.pharmacy("near", stock={"C08CA01": 100})
    patient_id, patient = pharmacy_world.patient()
    order = pharmacy_world.order(patient, pharmacy_world.approved(patient_id), mode="delivery")
    charge = billing.charge_for(patient, f"PharmacyOrder/{order['order_id']}")
    assert [(i["service"], i["unit_fen"]) for i in charge["items"]] == [("medicine", 120), ("delivery", 800)]


def test_an_order_is_charged_and_its_pharmacy_is_paid(app, client, billing, pharmacy_world):
    _prices(client, billing.admin)
    pharmacy_world.pharmacy("near", stock={"C08CA01": 100})
    pharmacist = pharmacy_world.pharmacist("near")
    patient_id, patient = pharmacy_world.patient()
    prescription_id = pharmacy_world.approved(patient_id)
    order = pharmacy_world.order(patient, prescription_id, mode="delivery")
    charge = billing.charge_for(patient, f"PharmacyOrder/{order['order_id']}")
    assert charge["amount_fen"] == 28 * 150 + 800 and charge["payee_id"] is None
    assert [(i["service"], i["quantity"], i["unit_fen"]) for i in charge["items"]] == [
        ("medicine", 28, 150), ("delivery", 1, 800)]
    billing.pay(patient, charge["id"])
    billing.deliver()
    assert pharmacy_world.act(pharmacist, order["order_id"], "accept").status_code == 200
    charge = billing.charge(patient, charge["id"])
    assert (charge["payee_kind"], charge["payee_id"]) == ("pharmacy", "near")
    with app.app_context():
        from billing import ledger
        from billing.models import LedgerLine
        from core.extensions import db
        from sqlalchemy import func, select

        owed = db.session.scalar(select(func.sum(LedgerLine.amount_fen)).where(
            LedgerLine.account == "payable:pharmacy:near"))
        assert -owed == charge["amount_fen"] - ledger.platform_fee(charge["amount_fen"])
    assert billing.ledger_sum() == 0
    r = client.post("/api/v1/refunds", json={"charge_id": charge["id"]}, headers=patient)
    assert r.status_code == 409  # the order stands


def test_an_order_no_pharmacy_accepts_is_refunded_on_request(client, billing, pharmacy_world):
    _prices(client, billing.admin)
    patient_id, patient = pharmacy_world.patient()
    prescription_id = pharmacy_world.approved(patient_id)
    order = pharmacy_world.order(patient, prescription_id)  # no pharmacy at all: unroutable
    assert order["status"] == "unroutable"
    charge = billing.charge_for(patient, f"PharmacyOrder/{order['order_id']}")
    billing.pay(patient, charge["id"])
    billing.deliver()
    r = client.post("/api/v1/refunds", json={"charge_id": charge["id"], "amount_fen": 1000}, headers=patient)
    assert r.status_code == 201 and r.get_json()["rule"] == "no_pharmacy_accepted"  # partial, as asked
    r = client.post("/api/v1/refunds", json={"charge_id": charge["id"]}, headers=patient)
    assert r.status_code == 201 and r.get_json()["amount_fen"] == charge["amount_fen"] - 1000
    assert billing.charge(patient, charge["id"])["status"] == "refunded"
    assert billing.ledger_sum() == 0
    # the regulator follows medicine refunds on the prescription's trace, in order after its signing
    feed = client.get("/api/v1/supervision/feed?limit=200", headers=billing.admin).get_json()["items"]
    chain = [e for e in feed if e["trace_id"] == f"rx-{prescription_id}"]
    refunds = [e for e in chain if e["kind"] == "prescription.refunded"]
    assert [e["payload"]["amount_fen"] for e in refunds] == [1000, charge["amount_fen"] - 1000]
    assert chain[0]["kind"] == "prescription.signed" and chain[-1]["kind"] == "prescription.refunded"


def test_a_cancelled_paid_order_is_refunded(client, billing, pharmacy_world):
    _prices(client, billing.admin)
    pharmacy_world.pharmacy("near", stock={"C08CA01": 100})
    patient_id, patient = pharmacy_world.patient()
    order = pharmacy_world.order(patient, pharmacy_world.approved(patient_id))
    charge = billing.charge_for(patient, f"PharmacyOrder/{order['order_id']}")
    billing.pay(patient, charge["id"])
    billing.deliver()
    assert client.post(f"/api/v1/orders/{order['order_id']}/cancel", headers=patient).status_code == 200
    charge = billing.charge(patient, charge["id"])
    assert charge["status"] == "refunded" and charge["refunded_fen"] == 28 * 150


def test_an_unpaid_order_expires_its_offer_is_withdrawn_and_the_patient_told(app, client, billing, pharmacy_world,
                                                                           setting, frozen):
    from billing import jobs
    from core import clock
    from core.extensions import db
    from pharmacy import hooks

    setting(BILLING_PAYMENT_REQUIRED=True, BILLING_PAY_WITHIN_MINUTES=15)
    _prices(client, billing.admin)
    pharmacy_world.pharmacy("near", stock={"C08CA01": 100})
    pharmacist = pharmacy_world.pharmacist("near")
    patient_id, patient = pharmacy_world.patient()
    order = pharmacy_world.order(patient, pharmacy_world.approved(patient_id))
    assert order["status"] == "offered"
    frozen(clock.now())
    frozen.advance(minutes=16)
    told = []
    previous = hooks.installed("notifier")
    hooks.install("notifier", lambda event, recipients, payload: told.append((event, recipients)))
    try:
        with app.app_context():
            assert jobs.expire_unpaid() == 1
            db.session.commit()
    finally:
        hooks.install("notifier", previous)
    assert client.get(f"/api/v1/orders/{order['order_id']}", headers=patient).get_json()["status"] == "cancelled"
    assert ("order.expired", [f"Patient/{patient_id}"]) in told
    assert pharmacy_world.act(pharmacist, order["order_id"], "accept").status_code == 409  # offer withdrawn
    charge = billing.charge_for(patient, f"PharmacyOrder/{order['order_id']}")
    assert charge["status"] == "expired"
