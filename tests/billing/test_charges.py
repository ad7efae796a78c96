"""Charges: a booking is charged at the fee schedule in effect (versioned), with its items; patients see their
own charges and download receipts."""
from datetime import timedelta

from core import clock
from tests.billing.conftest import future
from tests.clinic.conftest import book


def test_a_booking_is_charged_the_doctors_fee_when_no_schedule_says_otherwise(billing):
    patient, appt, charge = billing.booked(fee=3000)
    assert charge["status"] == "pending" and charge["amount_fen"] == 3000 and charge["paid_fen"] == 0
    assert charge["payee_kind"] == "institution" and charge["payee_id"] == appt["institution"]["id"]
    assert [(i["service"], i["amount_fen"]) for i in charge["items"]] == [("consultation", 3000)]
    assert charge["due_at"] is None  # payment not required by default: nothing expires


def test_fee_schedules_are_versioned_by_title_and_registration(billing, client, world, accounts, frozen):
    now = frozen(future(1) - timedelta(hours=1))
    inst = world.institution()
    doctor_id, _ = world.doctor([inst], fee=1000, title="Chief Physician")
    admin = billing.admin
    for body in ({"payee_id": inst, "service": "registration", "amount_fen": 500},
                 {"payee_id": inst, "service": "consultation", "code": "Chief Physician", "amount_fen": 6000},
                 {"payee_id": inst, "service": "consultation", "code": "Chief Physician", "amount_fen": 8000,
                  "effective_from": (now + timedelta(days=1)).isoformat()}):
        r = client.post("/api/v1/fees", json=body, headers=admin)
        assert r.status_code == 201, r.get_json()
    again = client.post("/api/v1/fees", json={"payee_id": inst, "service": "registration", "amount_fen": 1,
                                              "effective_from": now.isoformat()}, headers=admin)
    assert again.status_code == 409
    _, patient = accounts.patient()
    r = book(client, patient, world.slot(doctor_id, inst, now + timedelta(hours=6)))
    assert r.status_code == 201
    today = billing.charge_for(patient, f"Appointment/{r.get_json()['id']}")
    assert today["amount_fen"] == 6500
    assert [(i["service"], i["code"], i["unit_fen"]) for i in today["items"]] == [
        ("registration", "", 500), ("consultation", "Chief Physician", 6000)]
    frozen.advance(days=2)
    _, other = accounts.patient()
    r = book(client, other, world.slot(doctor_id, inst, clock.now() + timedelta(hours=6)))
    later = billing.charge_for(other, f"Appointment/{r.get_json()['id']}")
    assert later["amount_fen"] == 8500  # the new version; the earlier charge keeps its price
    assert billing.charge_row(today["id"]).amount_fen == 6500
    fresh_admin = billing.accounts.admin("admin2")[1]  # the first one's token expired with the clock
    listed = client.get(f"/api/v1/fees?payee_id={inst}", headers=fresh_admin).get_json()["items"]
    assert [f["amount_fen"] for f in listed] == [8000, 6000, 500]


def test_bad_fee_input_is_a_422(billing, client):
    for body in ({"payee_id": "x", "service": "massage", "amount_fen": 1},
                 {"payee_id": "x", "service": "registration", "amount_fen": -1},
                 {"payee_id": "x", "service": "registration", "amount_fen": 1.5}):
        assert client.post("/api/v1/fees", json=body, headers=billing.admin).status_code == 422


def test_patients_see_only_their_own_charges(billing, client, accounts):
    patient, _, charge = billing.booked()
    _, stranger = accounts.patient()
    assert client.get(f"/api/v1/charges/{charge['id']}", headers=stranger).status_code == 404
    assert client.get("/api/v1/charges", headers=stranger).get_json()["items"] == []
    assert client.get(f"/api/v1/charges/{charge['id']}", headers=billing.admin).status_code == 200


def test_the_receipt_lists_items_payment_and_refund(billing, client):
    patient, appt, charge = billing.booked(fee=3050)
    billing.pay(patient, charge["id"])
    billing.deliver()
    assert client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=patient).status_code == 200
    r = client.get(f"/api/v1/charges/{charge['id']}/receipt", headers=patient)
    assert r.status_code == 200 and r.mimetype == "text/plain"
    text = r.get_data(as_text=True)
    assert "Total: CNY 30.50" in text and "Paid: CNY 30.50 by sandbox" in text
    assert "Refunded: CNY 30.50 (source_closed)" in text
