"""The online-treatment protocol: read, sign (once), withdraw, list, expiry."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests

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
    from clinic.risk.consents import consent_status

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


def _sign(client, headers, version):
    return client.post("/api/v1/consents", json={"protocol_version": version}, headers=headers)


def test_signing_again_returns_the_consent_in_force(app, accounts, client):
    account, headers = accounts.patient()
    version = protocol(client, headers)["version"]
    first, again = _sign(client, headers, version), _sign(client, headers, version)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    listed = client.get("/api/v1/consents", headers=headers).get_json()["items"]
    assert [(c["id"], c["status"]) for c in listed] == [(first.get_json()["id"], "valid")]


def test_a_withdrawal_ends_online_care_until_the_patient_signs_again(app, accounts, client):
    from clinic.risk.consents import consent_status
    from clinic.risk.models import OnlineTreatmentConsent
    from core.extensions import db

    account, headers = accounts.patient()
    version = protocol(client, headers)["version"]
    first = _sign(client, headers, version).get_json()
    with app.app_context():  # a duplicate left by the old double-click bug
        row = db.session.get(OnlineTreatmentConsent, first["id"])
        db.session.add(OnlineTreatmentConsent(patient_id=row.patient_id, protocol_version=row.protocol_version,
                                              signed_at=row.signed_at, expires_at=row.expires_at))
        db.session.commit()
    assert client.post(f"/api/v1/consents/{first['id']}/revoke", headers=headers).status_code == 200
    with app.app_context():
        assert consent_status(account["patient_id"])[0] == "revoked"
    listed = client.get("/api/v1/consents", headers=headers).get_json()["items"]
    assert len(listed) == 2 and {c["status"] for c in listed} == {"revoked"}
    renewed = _sign(client, headers, version)
    assert renewed.status_code == 201 and renewed.get_json()["id"] != first["id"]
    with app.app_context():
        assert consent_status(account["patient_id"])[0] == "valid"


def test_consents_are_listed_for_their_patient_and_admins_only(accounts, client):
    alice_account, alice = accounts.patient(name="Alice")
    _, bob = accounts.patient(name="Bob")
    _sign(client, alice, protocol(client, alice)["version"])
    assert client.get(f"/api/v1/consents?patient_id={alice_account['patient_id']}", headers=bob).status_code == 403
    _, admin = accounts.admin()
    listed = client.get(f"/api/v1/consents?patient_id={alice_account['patient_id']}", headers=admin).get_json()
    assert [c["patient_id"] for c in listed["items"]] == [alice_account["patient_id"]]
    assert client.get("/api/v1/consents", headers=admin).status_code == 422


@pytest.mark.live
def test_simultaneous_signatures_make_one_consent(app, live_server, accounts, client):
    account, headers = accounts.patient()
    version = protocol(client, headers)["version"]
    barrier = threading.Barrier(5)

    def sign(_):
        barrier.wait(timeout=30)
        r = requests.post(f"{live_server.url}/api/v1/consents", json={"protocol_version": version},
                          headers=headers, timeout=60)
        return r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(sign, range(5)))
    assert sorted(status for status, _ in results) == [200, 200, 200, 200, 201], results
    assert len({body["id"] for _, body in results}) == 1
