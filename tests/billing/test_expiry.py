"""With BILLING_PAYMENT_REQUIRED, a booking not paid within BILLING_PAY_WITHIN_MINUTES is released: the place
goes back to the pool and the patient is told; money that arrives later is given back."""
from sqlalchemy import select

from billing import jobs
from clinic.notifications.models import Notification as Inbox
from clinic.scheduling import Slot
from core import clock
from core.extensions import db


def _expire(app):
    with app.app_context():
        expired = jobs.expire_unpaid()
        db.session.commit()
        return expired


def test_an_unpaid_booking_expires_and_frees_its_place(app, billing, client, setting, frozen):
    setting(BILLING_PAYMENT_REQUIRED=True, BILLING_PAY_WITHIN_MINUTES=15)
    frozen(clock.now())
    patient, appt, charge = billing.booked()
    assert charge["due_at"] is not None
    frozen.advance(minutes=14)
    assert _expire(app) == 0
    frozen.advance(minutes=2)
    assert _expire(app) == 1 and _expire(app) == 0  # idempotent
    assert billing.charge(patient, charge["id"])["status"] == "expired"
    assert client.get(f"/api/v1/appointments/{appt['id']}", headers=patient).get_json()["status"] == "cancelled"
    with app.app_context():
        assert db.session.get(Slot, appt["slot"]["id"]).booked == 0
        texts = db.session.scalars(select(Inbox.body).where(Inbox.kind == "appointment_cancelled")).all()
    assert any("not paid in time" in text for text in texts)
    assert client.post("/api/v1/payments", json={"charge_id": charge["id"]}, headers=patient).status_code == 409


def test_a_paid_booking_does_not_expire(app, billing, setting, frozen):
    setting(BILLING_PAYMENT_REQUIRED=True)
    frozen(clock.now())
    patient, appt, charge = billing.booked()
    billing.pay(patient, charge["id"])
    billing.deliver()
    frozen.advance(hours=1)
    assert _expire(app) == 0
    assert billing.charge(patient, charge["id"])["status"] == "paid"


def test_money_arriving_after_expiry_is_given_back(app, billing, setting, frozen):
    setting(BILLING_PAYMENT_REQUIRED=True)
    frozen(clock.now())
    patient, _, charge = billing.booked(fee=2000)
    billing.pay(patient, charge["id"], delay_seconds=30 * 60)  # paid in time, notified late
    frozen.advance(minutes=16)
    assert _expire(app) == 1
    frozen.advance(minutes=15)
    answer = billing.deliver()[0]
    assert answer.status_code == 200 and answer.get_json()["outcome"] == "refunded_late_payment"
    row = billing.charge_row(charge["id"])
    assert (row.status, row.paid_fen, row.refunded_fen) == ("refunded", 2000, 2000)
    assert billing.ledger_sum() == 0


def test_payment_is_not_required_by_default(app, billing, frozen):
    frozen(clock.now())
    patient, appt, charge = billing.booked()
    frozen.advance(hours=2)
    assert _expire(app) == 0
    assert billing.charge(patient, charge["id"])["status"] == "pending"
