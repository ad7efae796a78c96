"""Payment through the sandbox provider: intents, notifications (duplicates, forgeries, replays, unknown or
refunded payments, out of order, late) and the repair of a lost one."""
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select

from billing.providers import sandbox
from core import clock
from core.extensions import db
from core.models import AuditEntry


def test_an_intent_gives_the_app_qr_data_and_is_reused_while_open(billing, client):
    patient, _, charge = billing.booked()
    first = billing.intent(patient, charge["id"])
    assert first["status"] == "pending" and first["amount_fen"] == charge["amount_fen"]
    assert first["intent"]["qr_code"].startswith("sandbox://pay/")
    assert billing.intent(patient, charge["id"])["id"] == first["id"]
    assert client.get(f"/api/v1/payments/{first['id']}", headers=patient).get_json()["status"] == "pending"


def test_someone_elses_charge_cannot_be_paid(billing, client, accounts):
    _, _, charge = billing.booked()
    _, stranger = accounts.patient()
    r = client.post("/api/v1/payments", json={"charge_id": charge["id"]}, headers=stranger)
    assert r.status_code == 404


def test_the_same_notification_ten_times_pays_once(billing, client):
    patient, _, charge = billing.booked(fee=4000)
    payment = billing.pay(patient, charge["id"], copies=10)
    answers = billing.deliver()
    assert len(answers) == 10 and all(a.status_code == 200 for a in answers)
    outcomes = [a.get_json()["outcome"] for a in answers]
    assert outcomes.count("paid") == 1 and outcomes.count("duplicate") == 9
    charge = billing.charge(patient, charge["id"])
    assert charge["status"] == "paid" and charge["paid_fen"] == 4000
    assert client.get(f"/api/v1/payments/{payment['id']}", headers=patient).get_json()["status"] == "succeeded"
    assert billing.ledger_lines(charge["id"]) == 3 and billing.ledger_sum() == 0
    assert client.post("/api/v1/payments", json={"charge_id": charge["id"]}, headers=patient).status_code == 409


def _audited_denials(app):
    with app.app_context():
        return db.session.scalars(select(AuditEntry.detail).where(
            AuditEntry.entity.like("PaymentNotification/%"), AuditEntry.outcome == "denied")).all()


def test_a_forged_notification_is_401_audited_and_changes_nothing(app, billing, client):
    patient, _, charge = billing.booked()
    billing.pay(patient, charge["id"])
    (_, body, headers), = billing.due_notifications()
    forged = {**headers, "X-Sandbox-Signature": "0" * 64}
    r = client.post("/api/v1/payments/notify/sandbox", data=body, headers=forged, content_type="application/json")
    assert r.status_code == 401 and r.mimetype == "application/problem+json"
    tampered = body.replace('"amount_fen":', '"amount_fen":1')
    r = client.post("/api/v1/payments/notify/sandbox", data=tampered, headers=headers, content_type="application/json")
    assert r.status_code == 401
    unsigned = client.post("/api/v1/payments/notify/sandbox", data=body, content_type="application/json")
    assert unsigned.status_code == 401
    assert billing.charge(patient, charge["id"])["status"] == "pending"
    assert len(_audited_denials(app)) == 3


def test_a_replayed_notification_is_409_audited(app, billing, client, frozen):
    frozen(clock.now())
    patient, _, charge = billing.booked()
    billing.pay(patient, charge["id"])
    (_, body, headers), = billing.due_notifications()
    frozen.advance(minutes=30)  # captured and sent again long after it was signed
    r = client.post("/api/v1/payments/notify/sandbox", data=body, headers=headers, content_type="application/json")
    assert r.status_code == 409 and r.get_json()["code"] == "replayed_notification"
    assert billing.charge(patient, charge["id"])["status"] == "pending"
    assert any("replayed" in detail for detail in _audited_denials(app))


def test_an_unknown_payment_is_answered_200_and_logged(app, client, caplog):
    body = json.dumps({"notify_id": "N-unknown", "event": "paid", "out_trade_no": "P-nobody", "amount_fen": 100,
                       "at": clock.now().isoformat(), "trade_no": "T1"})
    with app.app_context():
        headers = sandbox.sign(body)
    r = client.post("/api/v1/payments/notify/sandbox", data=body, headers=headers, content_type="application/json")
    assert r.status_code == 200 and r.get_json() == {"code": "SUCCESS", "outcome": "unknown_payment"}
    assert "unknown payment P-nobody" in caplog.text


def test_an_unknown_provider_is_404(client):
    assert client.post("/api/v1/payments/notify/nopay", data="{}", content_type="application/json").status_code == 404


def test_a_notification_for_a_refunded_payment_changes_nothing(billing, client):
    patient, appt, charge = billing.booked()
    billing.pay(patient, charge["id"], copies=2)
    first, second = billing.due_notifications()
    assert billing.deliver([first])[0].get_json()["outcome"] == "paid"
    assert client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=patient).status_code == 200
    assert billing.charge(patient, charge["id"])["status"] == "refunded"
    late = billing.deliver([second])[0]  # the duplicate arrives after the refund: same notification id
    assert late.status_code == 200 and late.get_json()["outcome"] == "duplicate"
    billing.deliver()  # the refund's own notification
    charge = billing.charge(patient, charge["id"])
    assert charge["status"] == "refunded" and charge["refunded_fen"] == charge["paid_fen"]
    assert billing.ledger_sum() == 0


def test_out_of_order_a_closed_notification_after_paid_is_ignored(billing):
    patient, _, charge = billing.booked()
    payment = billing.pay(patient, charge["id"], delay_seconds=0)
    paid = billing.due_notifications()
    closed_body = json.dumps({"notify_id": "N-closed-late", "event": "closed", "out_trade_no": payment["provider_ref"],
                              "amount_fen": payment["amount_fen"], "at": clock.now().isoformat()})
    with billing.app.app_context():
        closed = [("N-closed-late", closed_body, sandbox.sign(closed_body))]
    assert billing.deliver(paid)[0].get_json()["outcome"] == "paid"
    assert billing.deliver(closed)[0].get_json()["outcome"] == "ignored_succeeded"
    assert billing.charge(patient, charge["id"])["status"] == "paid"


def test_an_abandoned_payment_closes_and_the_charge_stays_payable(billing, client):
    patient, _, charge = billing.booked()
    payment = billing.intent(patient, charge["id"])
    assert billing.at_cashier(sandbox.customer_abandons, payment["provider_ref"])
    assert billing.deliver()[0].get_json()["outcome"] == "closed"
    assert client.get(f"/api/v1/payments/{payment['id']}", headers=patient).get_json()["status"] == "closed"
    assert billing.intent(patient, charge["id"])["id"] != payment["id"]


def test_a_lost_notification_is_repaired_by_the_query_job(app, billing, client, frozen):
    """The provider took the money but we never heard (or crashed before our commit): the repair job asks."""
    from billing import jobs

    frozen(clock.now())
    patient, _, charge = billing.booked()
    payment = billing.pay(patient, charge["id"], notify=False)
    assert billing.due_notifications() == []
    with app.app_context():
        assert jobs.repair_payments() == 0  # too young to query
        db.session.commit()
    frozen.advance(minutes=5)
    with app.app_context():
        assert jobs.repair_payments() == 1
        db.session.commit()
        assert jobs.repair_payments() == 0  # idempotent
        db.session.commit()
    assert client.get(f"/api/v1/payments/{payment['id']}", headers=patient).get_json()["status"] == "succeeded"
    assert billing.charge(patient, charge["id"])["status"] == "paid" and billing.ledger_sum() == 0


def test_the_scheduler_job_delivers_the_sandbox_notifications(app, billing):
    from billing import jobs

    patient, _, charge = billing.booked()
    billing.pay(patient, charge["id"], copies=3)
    with app.app_context():
        assert jobs.sandbox_notify() == 1  # one notification (three copies) acknowledged
        db.session.commit()
    assert billing.charge(patient, charge["id"])["status"] == "paid"
    assert billing.due_notifications() == []


def test_late_notifications_wait_until_due(billing, frozen):
    frozen(clock.now())
    patient, _, charge = billing.booked()
    billing.pay(patient, charge["id"], delay_seconds=600)
    assert billing.due_notifications() == []
    frozen.advance(seconds=601)
    assert billing.deliver()[0].get_json()["outcome"] == "paid"


@pytest.mark.live
def test_the_same_notification_from_concurrent_deliveries_pays_once(billing, live_server):
    patient, _, charge = billing.booked(fee=2500)
    billing.pay(patient, charge["id"], copies=10)
    notifications = billing.due_notifications()
    barrier = threading.Barrier(len(notifications))

    def deliver(notification):
        _, body, headers = notification
        session = requests.Session()
        barrier.wait(timeout=30)
        r = session.post(f"{live_server.url}/api/v1/payments/notify/sandbox", data=body, timeout=120,
                         headers={**headers, "Content-Type": "application/json"})
        return r.status_code, r.json().get("outcome")

    with ThreadPoolExecutor(max_workers=len(notifications)) as pool:
        answers = list(pool.map(deliver, notifications))
    assert sorted(answers) == [(200, "duplicate")] * 9 + [(200, "paid")], answers
    row = billing.charge_row(charge["id"])
    assert (row.status, row.paid_fen) == ("paid", 2500)
    assert billing.ledger_lines(charge["id"]) == 3 and billing.ledger_sum() == 0


def test_back_from_the_cashier_the_app_asks_and_the_payment_is_booked_once(billing, client):
    patient, _, charge = billing.booked(fee=1800)
    payment = billing.intent(patient, charge["id"])
    assert client.post(payment["intent"]["redirect_url"]).status_code == 200  # the sandbox cashier
    assert client.post(payment["intent"]["redirect_url"]).status_code == 409  # a trade is paid once
    assert client.post("/sandbox/pay/no-such-trade").status_code == 404
    r = client.post(f"/api/v1/payments/{payment['id']}/query", headers=patient)
    assert r.status_code == 200 and r.get_json()["status"] == "succeeded"
    assert billing.deliver()[0].get_json()["outcome"] == "already_succeeded"  # the notification comes after
    assert billing.charge(patient, charge["id"])["paid_fen"] == 1800
    assert billing.ledger_lines(charge["id"]) == 3 and billing.ledger_sum() == 0
