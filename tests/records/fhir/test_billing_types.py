"""ChargeItem and Invoice are served by /fhir (issue 19 item 5): the official R4 search parameters, the R4
Patient compartment (ChargeItem.subject; Invoice.subject, patient, recipient), a truthful CapabilityStatement;
PaymentReconciliation too, for administrators only (records.access.ADMIN_ONLY_TYPES).
These are records from outside (no mark of billing's views): an administrator writes them like any other."""
from tests.records.fhir.conftest import auth


def _invoice(patient_id, status="issued", recipient=None):
    return {"resourceType": "Invoice", "status": status, "subject": {"reference": f"Patient/{patient_id}"},
            "recipient": {"reference": f"Patient/{recipient or patient_id}"},
            "totalGross": {"value": 25.5, "currency": "CNY"}}


def _charge_item(patient_id):
    return {"resourceType": "ChargeItem", "status": "billable", "code": {"text": "Registration"},
            "subject": {"reference": f"Patient/{patient_id}"}, "quantity": {"value": 1}}


def _ids(response):
    assert response.status_code == 200, response.get_json()
    return {e["resource"]["id"] for e in response.get_json().get("entry", []) if e["search"]["mode"] == "match"}


def test_metadata_lists_the_types_and_their_official_search_parameters(client):
    resources = {r["type"]: r for r in client.get("/fhir/metadata").get_json()["rest"][0]["resource"]}
    invoice = {p["name"] for p in resources["Invoice"]["searchParam"]}
    charge_item = {p["name"] for p in resources["ChargeItem"]["searchParam"]}
    assert {"subject", "patient", "recipient", "status", "totalgross", "date", "identifier"} <= invoice
    assert {"subject", "patient", "context", "code", "quantity", "price-override"} <= charge_item
    reconciliation = {p["name"] for p in resources["PaymentReconciliation"]["searchParam"]}
    assert {"created", "status", "outcome", "payment-issuer", "request", "requestor"} <= reconciliation


def test_an_administrator_creates_reads_updates_and_deletes_them(client, cast):
    for resource in (_invoice(cast.p1), _charge_item(cast.p1)):
        kind = resource["resourceType"]
        created = client.post(f"/fhir/{kind}", json=resource, headers=auth(cast.admin))
        assert created.status_code == 201, created.get_json()
        url = f"/fhir/{kind}/{created.get_json()['id']}"
        changed = {**created.get_json(), "status": "cancelled" if kind == "Invoice" else "billed"}
        assert client.put(url, json=changed, headers=auth(cast.admin)).status_code == 200
        assert client.get(url, headers=cast.admin).get_json()["status"] == changed["status"]
        assert client.delete(url, headers=cast.admin).status_code in (200, 204)
        assert client.get(url, headers=cast.admin).status_code == 410


def test_search_by_subject_patient_status_and_amount(client, cast):
    mine = client.post("/fhir/Invoice", json=_invoice(cast.p1), headers=auth(cast.admin)).get_json()["id"]
    theirs = client.post("/fhir/Invoice", json=_invoice(cast.p2, status="balanced"),
                         headers=auth(cast.admin)).get_json()["id"]
    item = client.post("/fhir/ChargeItem", json=_charge_item(cast.p1), headers=auth(cast.admin)).get_json()["id"]
    admin = cast.admin
    assert _ids(client.get(f"/fhir/Invoice?subject=Patient/{cast.p1}", headers=admin)) == {mine}
    assert _ids(client.get(f"/fhir/Invoice?patient={cast.p2}", headers=admin)) == {theirs}
    assert _ids(client.get("/fhir/Invoice?status=balanced", headers=admin)) == {theirs}
    assert _ids(client.get("/fhir/Invoice?totalgross=25.5", headers=admin)) == {mine, theirs}
    assert _ids(client.get(f"/fhir/ChargeItem?patient=Patient/{cast.p1}", headers=admin)) == {item}
    assert _ids(client.get(f"/fhir/ChargeItem?subject=Patient/{cast.p2}", headers=admin)) == set()


def test_a_patient_reads_only_their_own_compartment(client, cast):
    mine = client.post("/fhir/Invoice", json=_invoice(cast.p1), headers=auth(cast.admin)).get_json()["id"]
    paid_for_me = client.post("/fhir/Invoice", json=_invoice(cast.p2, recipient=cast.p1),
                              headers=auth(cast.admin)).get_json()["id"]
    theirs = client.post("/fhir/Invoice", json=_invoice(cast.p2), headers=auth(cast.admin)).get_json()["id"]
    item = client.post("/fhir/ChargeItem", json=_charge_item(cast.p2), headers=auth(cast.admin)).get_json()["id"]
    me = cast.p1_headers
    assert client.get(f"/fhir/Invoice/{mine}", headers=me).status_code == 200
    assert client.get(f"/fhir/Invoice/{paid_for_me}", headers=me).status_code == 200  # the recipient's too
    assert client.get(f"/fhir/Invoice/{theirs}", headers=me).status_code == 403
    assert client.get(f"/fhir/ChargeItem/{item}", headers=me).status_code == 403
    assert _ids(client.get("/fhir/Invoice", headers=me)) == {mine, paid_for_me}
    assert _ids(client.get(f"/fhir/Invoice?subject=Patient/{cast.p2}", headers=me)) == {paid_for_me}
    assert _ids(client.get("/fhir/ChargeItem", headers=me)) == set()
    assert _ids(client.get("/fhir/ChargeItem", headers=cast.p2_headers)) == {item}
    refused = client.post("/fhir/Invoice", json=_invoice(cast.p1), headers=auth(me))
    assert refused.status_code == 403 and refused.get_json()["resourceType"] == "OperationOutcome"


def test_a_payment_reconciliation_is_for_administrators_only(client, cast):
    resource = {"resourceType": "PaymentReconciliation", "status": "active", "created": "2026-12-05T10:00:00Z",
                "paymentDate": "2026-12-05", "paymentAmount": {"value": 95, "currency": "CNY"},
                "outcome": "complete"}
    created = client.post("/fhir/PaymentReconciliation", json=resource, headers=auth(cast.admin))
    assert created.status_code == 201, created.get_json()
    url = f"/fhir/PaymentReconciliation/{created.get_json()['id']}"
    assert client.get(url, headers=cast.admin).status_code == 200
    assert _ids(client.get("/fhir/PaymentReconciliation?outcome=complete", headers=cast.admin)) == {
        created.get_json()["id"]}
    for someone in (cast.p1_headers, cast.doc_a, cast.pharmacist):
        assert client.get(url, headers=someone).status_code == 403
        assert client.get("/fhir/PaymentReconciliation", headers=someone).status_code == 403
        assert client.post("/fhir/PaymentReconciliation", json=resource, headers=auth(someone)).status_code == 403
