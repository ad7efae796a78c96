"""Billing's FHIR views (issue 19 item 5), through HTTP: a booking's charge is an Invoice (`invoice-<charge>`) and
its lines ChargeItems, rewritten as the charge is paid, refunded, voided or expires; the patient reads and searches
their own, nobody else's; nobody writes them over /fhir, an administrator included."""
from sqlalchemy import select

from billing import jobs
from core import clock
from core.extensions import db
from core.models import AuditEntry

FHIR_JSON = {"Content-Type": "application/fhir+json"}


def _fhir(client, headers, url, status=200):
    r = client.get(url, headers=headers)
    assert r.status_code == status, r.get_json()
    return r.get_json()


def _invoice(client, headers, charge_id):
    return _fhir(client, headers, f"/fhir/Invoice/invoice-{charge_id}")


def _items(client, headers, charge_id):
    return [_fhir(client, headers, f"/fhir/ChargeItem/chargeitem-{charge_id}-{n}") for n in (1,)]


def _matches(bundle):
    return {e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"}


def test_a_booking_is_an_issued_invoice_with_its_charge_items_in_exact_yuan(billing, client, app):
    patient, appt, charge = billing.booked(fee=1234)
    invoice = _invoice(client, patient, charge["id"])
    me = invoice["subject"]["reference"]
    assert me.startswith("Patient/") and invoice["recipient"]["reference"] == me
    assert invoice["status"] == "issued"
    assert invoice["identifier"] == [{"system": "urn:cloud-hospital:charge", "value": charge["id"]}]
    assert invoice["totalNet"] == invoice["totalGross"] == {"value": 12.34, "currency": "CNY"}
    assert invoice["issuer"]["reference"].startswith("Organization/org-")
    assert "Pay 12.34 CNY" in invoice["paymentTerms"]
    [line] = invoice["lineItem"]
    assert line["chargeItemReference"]["reference"] == f"ChargeItem/chargeitem-{charge['id']}-1"
    assert line["priceComponent"] == [{"type": "base", "code": {"text": charge["items"][0]["description"]},
                                       "factor": 1, "amount": {"value": 12.34, "currency": "CNY"}}]
    [item] = _items(client, patient, charge["id"])
    assert item["status"] == "billable" and item["subject"]["reference"] == me
    assert item["quantity"] == {"value": 1} and item["priceOverride"] == {"value": 12.34, "currency": "CNY"}
    assert item["code"]["coding"][0] == {"system": "urn:cloud-hospital:billing-service", "code": "consultation"}
    assert item["supportingInformation"] == [{"reference": f"Appointment/appt-{appt['id']}"}]
    with app.app_context():  # the patient's FHIR reads are audited like any other
        reads = db.session.scalars(select(AuditEntry.entity).where(AuditEntry.action == "read",
                                                                   AuditEntry.patient_ref == me)).all()
    assert f"Invoice/invoice-{charge['id']}" in reads and f"ChargeItem/chargeitem-{charge['id']}-1" in reads


def test_paying_balances_the_invoice_and_bills_the_items(billing, client):
    patient, _, charge = billing.booked(fee=3000)
    billing.pay(patient, charge["id"])
    assert _invoice(client, patient, charge["id"])["status"] == "issued"  # not until the provider says so
    billing.deliver()
    invoice = _invoice(client, patient, charge["id"])
    assert invoice["status"] == "balanced" and invoice["totalGross"] == {"value": 30, "currency": "CNY"}
    assert invoice["paymentTerms"].startswith("Paid 30 CNY on ")
    assert [i["status"] for i in _items(client, patient, charge["id"])] == ["billed"]
    assert _fhir(client, patient, f"/fhir/Invoice/invoice-{charge['id']}/_history")["total"] == 2


def test_refunds_are_noted_and_a_full_refund_cancels_the_invoice(billing, client):
    patient, appt, charge = billing.booked(fee=3000)
    billing.pay(patient, charge["id"])
    billing.deliver()
    r = client.post("/api/v1/refunds", json={"charge_id": charge["id"], "amount_fen": 1050, "reason": "goodwill"},
                    headers=billing.admin)
    assert r.status_code == 201, r.get_json()
    invoice = _invoice(client, patient, charge["id"])
    assert invoice["status"] == "balanced" and invoice["note"] == [{"text": "Refunded 10.5 CNY."}]
    assert client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=patient).status_code == 200
    invoice = _invoice(client, patient, charge["id"])
    assert invoice["status"] == "cancelled" and invoice["cancelledReason"] == "Refunded in full"
    assert invoice["note"] == [{"text": "Refunded 30 CNY."}]
    assert [i["status"] for i in _items(client, patient, charge["id"])] == ["not-billable"]


def test_voided_and_expired_charges_cancel_their_invoices(app, billing, client, setting, frozen):
    patient, appt, charge = billing.booked()
    assert client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=patient).status_code == 200
    invoice = _invoice(client, patient, charge["id"])
    assert invoice["status"] == "cancelled" and invoice["cancelledReason"].startswith("Voided: ")
    setting(BILLING_PAYMENT_REQUIRED=True, BILLING_PAY_WITHIN_MINUTES=15)
    frozen(clock.now())
    patient, _, charge = billing.booked()
    assert "by " in _invoice(client, patient, charge["id"])["paymentTerms"]  # the due time
    frozen.advance(minutes=16)
    with app.app_context():
        assert jobs.expire_unpaid() == 1
        db.session.commit()
    invoice = _invoice(client, patient, charge["id"])
    assert invoice["status"] == "cancelled" and invoice["cancelledReason"] == "Not paid in time"
    assert [i["status"] for i in _items(client, patient, charge["id"])] == ["not-billable"]


def test_search_by_subject_and_patient_reaches_only_the_callers_own(billing, client, accounts):
    patient, _, charge = billing.booked()
    me = _invoice(client, patient, charge["id"])["subject"]["reference"]
    other, _, theirs = billing.booked()
    for query in (f"subject={me}", f"patient={me.split('/')[1]}", ""):
        assert _matches(_fhir(client, patient, f"/fhir/Invoice?{query}")) == {f"invoice-{charge['id']}"}
    assert _matches(_fhir(client, patient, f"/fhir/ChargeItem?patient={me}")) == {f"chargeitem-{charge['id']}-1"}
    assert _matches(_fhir(client, billing.admin, f"/fhir/Invoice?subject={me}")) == {f"invoice-{charge['id']}"}
    assert _matches(_fhir(client, billing.admin, "/fhir/Invoice?status=issued")) >= {
        f"invoice-{charge['id']}", f"invoice-{theirs['id']}"}
    their_ref = _invoice(client, other, theirs["id"])["subject"]["reference"]
    assert _matches(_fhir(client, patient, f"/fhir/Invoice?subject={their_ref}")) == set()
    _fhir(client, patient, f"/fhir/Invoice/invoice-{theirs['id']}", status=403)
    _fhir(client, patient, f"/fhir/ChargeItem/chargeitem-{theirs['id']}-1", status=403)
    _, stranger = accounts.patient()
    _fhir(client, stranger, f"/fhir/Invoice/invoice-{charge['id']}", status=403)


def test_nobody_writes_the_views_over_fhir(billing, client):
    patient, _, charge = billing.booked()
    url = f"/fhir/Invoice/invoice-{charge['id']}"
    invoice = _invoice(client, billing.admin, charge["id"])
    for headers in (patient, billing.admin):
        changed = {**invoice, "status": "balanced"}
        r = client.put(url, json=changed, headers={**headers, **FHIR_JSON})
        assert r.status_code == 403 and r.get_json()["resourceType"] == "OperationOutcome", r.get_json()
        copy = {k: v for k, v in invoice.items() if k not in ("id", "meta")}  # ours by its identifier
        assert client.post("/fhir/Invoice", json=copy, headers={**headers, **FHIR_JSON}).status_code == 403
        assert client.delete(url, headers=headers).status_code == 403
        item_url = f"/fhir/ChargeItem/chargeitem-{charge['id']}-1"
        item = _fhir(client, billing.admin, item_url)
        assert client.put(item_url, json={**item, "status": "billed"},
                          headers={**headers, **FHIR_JSON}).status_code == 403
        unused = f"chargeitem-{charge['id']}-9"  # the prefix is reserved, used or not
        assert client.put(f"/fhir/ChargeItem/{unused}", json={**item, "id": unused},
                          headers={**headers, **FHIR_JSON}).status_code == 403
    assert _invoice(client, billing.admin, charge["id"]) == invoice
    said = client.put(url, json=invoice, headers={**billing.admin, **FHIR_JSON}).get_json()
    assert "/api/v1/charges" in said["issue"][0]["diagnostics"]


def test_a_bookings_invoice_follows_its_commit_through_the_outbox(billing, client):
    patient, _, charge = billing.booked(fee=1500, drain=False)
    _fhir(client, patient, f"/fhir/Invoice/invoice-{charge['id']}", status=404)  # not yet: after the commit
    billing.drain()
    assert _invoice(client, patient, charge["id"])["status"] == "issued"
    assert [i["status"] for i in _items(client, patient, charge["id"])] == ["billable"]
    billing.drain()  # drained again (a re-sync): the same content, no new version
    assert _fhir(client, patient, f"/fhir/Invoice/invoice-{charge['id']}/_history")["total"] == 1


def test_a_late_drain_never_writes_an_older_invoice_than_payment_wrote(billing, client):
    patient, _, charge = billing.booked(fee=3000, drain=False)
    billing.pay(patient, charge["id"])
    billing.deliver()  # paid before the booking's views were drained: payment wrote the balanced Invoice
    assert _invoice(client, patient, charge["id"])["status"] == "balanced"
    billing.drain()  # the drain reads the charge as it is now
    assert _invoice(client, patient, charge["id"])["status"] == "balanced"
    assert [i["status"] for i in _items(client, patient, charge["id"])] == ["billed"]
