"""The online-treatment protocol: read, sign, revoke, expiry."""
from datetime import timedelta

from core import clock


def protocol(client, headers):
    r = client.get("/api/v1/consents/protocol", headers=headers)
    assert r.status_code == 200
    return r.get_json()


def test_a_patient_signs_the_current_protocol(accounts, client):
    account, headers = accounts.patient()
    current = protocol(client, headers)
    assert current["version"] and "follow-up" in current["text_en"] and "复诊" in current["text_zh"]
    r = client.post("/api/v1/consents", json={"protocol_version": current["version"], "doctor_id": "p-1"},
                    headers=headers)
    body = r.get_json()
    assert r.status_code == 201 and body["status"] == "valid" and body["patient_id"] == account["patient_id"]
    assert body["doctor_id"] == "p-1"


def test_signing_an_unknown_version_is_refused(accounts, client):
    _, headers = accounts.patient()
    r = client.post("/api/v1/consents", json={"protocol_version": "1999.1"}, headers=headers)
    assert r.status_code == 422 and r.get_json()["current_version"]


def test_revocation_and_expiry_change_the_status(app, accounts, client):
    from clinic.riskcontrol.consents import consent_status

    account, headers = accounts.patient()
    version = protocol(client, headers)["version"]
    consent = client.post("/api/v1/consents", json={"protocol_version": version}, headers=headers).get_json()
    with app.app_context():
        assert consent_status(account["patient_id"])[0] == "valid"
        later = clock.now() + timedelta(days=366)
        assert consent_status(account["patient_id"], at=later)[0] == "expired"
    r = client.post(f"/api/v1/consents/{consent['id']}/revoke", headers=headers)
    assert r.status_code == 200 and r.get_json()["status"] == "revoked"
    assert client.post(f"/api/v1/consents/{consent['id']}/revoke", headers=headers).status_code == 200
    with app.app_context():
        assert consent_status(account["patient_id"])[0] == "revoked"


def test_a_patient_cannot_revoke_another_patients_consent(accounts, client):
    _, alice = accounts.patient(name="Alice")
    _, bob = accounts.patient(name="Bob")
    version = protocol(client, alice)["version"]
    consent = client.post("/api/v1/consents", json={"protocol_version": version}, headers=alice).get_json()
    assert client.post(f"/api/v1/consents/{consent['id']}/revoke", headers=bob).status_code == 404


def test_staff_do_not_sign_for_patients(accounts, client):
    _, doctor = accounts.staff("doctor", "dr.li", practitioner_id="p-li")
    assert client.post("/api/v1/consents", json={"protocol_version": "NB-2026.1"}, headers=doctor).status_code == 403


def test_the_consent_is_mirrored_into_the_fhir_record(accounts, client):
    account, headers = accounts.patient()
    version = protocol(client, headers)["version"]
    consent = client.post("/api/v1/consents", json={"protocol_version": version, "doctor_id": "p-1"},
                          headers=headers).get_json()
    bundle = client.get(f"/fhir/Consent?patient=Patient/{account['patient_id']}", headers=headers).get_json()
    [entry] = bundle["entry"]
    resource = entry["resource"]
    assert resource["status"] == "active" and resource["policy"][0]["uri"].endswith(version)
    assert resource["provision"]["actor"][0]["reference"]["reference"] == "Practitioner/p-1"
    client.post(f"/api/v1/consents/{consent['id']}/revoke", headers=headers)
    revoked = client.get(f"/fhir/Consent/{resource['id']}", headers=headers).get_json()
    assert revoked["status"] == "inactive" and revoked["meta"]["versionId"] == "2"
