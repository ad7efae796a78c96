"""Refunds: tied to their charge, only when a rule allows (or an administrator with a reason), partial ones
bounded by what is left, and concurrent requests never refund more than was paid."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from core import clock


def _paid(billing, fee=3000, **kwargs):
    patient, appt, charge = billing.booked(fee=fee, **kwargs)
    billing.pay(patient, charge["id"])
    billing.deliver()
    return patient, appt, billing.charge(patient, charge["id"])


def test_cancelling_before_the_cutoff_refunds_in_full(billing, client):
    patient, appt, charge = _paid(billing)
    assert client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=patient).status_code == 200
    charge = billing.charge(patient, charge["id"])
    assert charge["status"] == "refunded" and charge["refunded_fen"] == 3000
    r = client.post("/api/v1/refunds", json={"charge_id": charge["id"]}, headers=patient)
    assert r.status_code == 409 and r.get_json()["code"] == "nothing_to_refund"
    assert billing.ledger_sum() == 0


def test_an_unpaid_charge_is_voided_when_the_booking_is_cancelled(billing, client):
    patient, appt, charge = billing.booked()
    assert client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=patient).status_code == 200
    assert billing.charge(patient, charge["id"])["status"] == "void"
    assert client.post("/api/v1/payments", json={"charge_id": charge["id"]}, headers=patient).status_code == 409


def test_no_rule_no_refund_for_a_patient(billing, client):
    patient, _, charge = _paid(billing)
    r = client.post("/api/v1/refunds", json={"charge_id": charge["id"]}, headers=patient)
    assert r.status_code == 409 and r.get_json()["code"] == "not_refundable"
    assert billing.charge(patient, charge["id"])["refunded_fen"] == 0


def test_after_the_cutoff_there_is_no_cancellation_and_no_refund(billing, client):
    patient, appt, charge = _paid(billing, hours=2)  # starts within the 120-minute cut-off
    assert client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=patient).status_code == 409
    assert client.post("/api/v1/refunds", json={"charge_id": charge["id"]}, headers=patient).status_code == 409


def test_a_consultation_never_started_is_refunded(billing, client, world, frozen):
    frozen(clock.now().replace(minute=0, second=0, microsecond=0))
    patient, appt, charge = _paid(billing, hours=3)  # starts in exactly three hours
    frozen.advance(hours=2, minutes=30)  # check-in opens an hour before
    r = client.post(f"/api/v1/appointments/{appt['id']}/check-in", headers=patient)
    assert r.status_code == 200, r.get_json()
    assert client.post("/api/v1/refunds", json={"charge_id": charge["id"]}, headers=patient).status_code == 409
    frozen.advance(hours=2)  # the slot ended long ago and the doctor never called the patient
    r = client.post("/api/v1/refunds", json={"charge_id": charge["id"]}, headers=patient)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["rule"] == "never_started" and r.get_json()["amount_fen"] == 3000


def test_an_admin_refunds_part_with_a_reason_and_never_beyond_what_is_left(billing, client):
    patient, _, charge = _paid(billing, fee=3000)
    admin = billing.admin
    r = client.post("/api/v1/refunds", json={"charge_id": charge["id"], "amount_fen": 1000}, headers=admin)
    assert r.status_code == 422 and r.get_json()["code"] == "reason_required"
    r = client.post("/api/v1/refunds", json={"charge_id": charge["id"], "amount_fen": 1000, "reason": "goodwill"},
                    headers=admin)
    assert r.status_code == 201 and r.get_json()["rule"] == "admin"
    r = client.post("/api/v1/refunds", json={"charge_id": charge["id"], "amount_fen": 2001, "reason": "more"},
                    headers=admin)
    assert r.status_code == 409 and r.get_json()["refundable_fen"] == 2000
    assert billing.charge(patient, charge["id"])["status"] == "paid"  # partly refunded, still paid
    r = client.post("/api/v1/refunds", json={"charge_id": charge["id"], "amount_fen": 2000, "reason": "rest"},
                    headers=admin)
    assert r.status_code == 201
    charge = billing.charge(patient, charge["id"])
    assert (charge["status"], charge["refunded_fen"]) == ("refunded", 3000)
    assert billing.ledger_sum() == 0


def test_bad_refund_input_is_a_4xx(billing, client):
    patient, _, charge = _paid(billing)
    for body in ({}, {"charge_id": charge["id"], "amount_fen": 0}, {"charge_id": charge["id"], "amount_fen": "x"}):
        assert client.post("/api/v1/refunds", json=body, headers=patient).status_code == 422
    assert client.post("/api/v1/refunds", json={"charge_id": "nope"}, headers=patient).status_code == 404


@pytest.mark.live
def test_concurrent_refund_requests_never_refund_more_than_was_paid(billing, live_server):
    patient, _, charge = _paid(billing, fee=3000)
    admin = billing.admin
    n = 12
    barrier = threading.Barrier(n)

    def shoot(_):
        session = requests.Session()
        barrier.wait(timeout=30)
        r = session.post(f"{live_server.url}/api/v1/refunds", headers=admin, timeout=120,
                         json={"charge_id": charge["id"], "amount_fen": 1000, "reason": "race"})
        return r.status_code

    with ThreadPoolExecutor(max_workers=n) as pool:
        statuses = list(pool.map(shoot, range(n)))
    assert sorted(statuses) == [201] * 3 + [409] * (n - 3), statuses
    row = billing.charge_row(charge["id"])
    assert (row.refunded_fen, row.status) == (3000, "refunded")
    assert billing.ledger_sum() == 0


def test_a_provider_that_does_not_answer_leaves_nothing_half_refunded(billing, client, monkeypatch):
    from billing.providers.base import ProviderUnavailable
    from billing.providers.sandbox import SandboxProvider

    patient, _, charge = _paid(billing)

    def down(*args, **kwargs):
        raise ProviderUnavailable("timeout")

    monkeypatch.setattr(SandboxProvider, "refund", down)
    r = client.post("/api/v1/refunds", json={"charge_id": charge["id"], "reason": "x"}, headers=billing.admin)
    assert r.status_code == 503 and r.headers["Retry-After"] == "10"
    row = billing.charge_row(charge["id"])
    assert (row.refunded_fen, row.status) == (0, "paid")
    assert billing.ledger_sum() == 0 and billing.ledger_lines(charge["id"]) == 3


def test_a_retried_refund_with_its_idempotency_key_refunds_once(billing, client):
    patient, _, charge = _paid(billing, fee=3000)
    headers = {**billing.admin, "Idempotency-Key": "refund-goodwill-1"}
    body = {"charge_id": charge["id"], "amount_fen": 1000, "reason": "goodwill"}
    first = client.post("/api/v1/refunds", json=body, headers=headers)
    again = client.post("/api/v1/refunds", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.get_json()["id"] == again.get_json()["id"]
    assert billing.charge(patient, charge["id"])["refunded_fen"] == 1000
    other = client.post("/api/v1/refunds", json={**body, "amount_fen": 5}, headers=headers)
    assert other.status_code == 422
