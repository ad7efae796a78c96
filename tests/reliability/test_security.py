"""Security basics across the service (issue 10 part 4). Checks that live elsewhere:
token expiry and logout (tests/core/test_tokens.py), login throttling per account and address (same
file), hashed passwords (same file), the 413 body limit on /api (tests/core/test_problems.py), upload
size and type limits and the attachment download headers (tests/clinic/consult/test_attachments.py), a
token revoked on an open Socket.IO connection (tests/reliability/authz/test_socket_matrix.py)."""
import io
import logging

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry
from tests.clinic.consult.conftest import queue  # noqa: F401  (fixture: the fake clinic queue)

PASSWORD = "Unl1kely-Passw0rd-7731"
EVIL = "https://evil.example"


def _everything_logged(caplog, capfd):
    out, err = capfd.readouterr()
    return caplog.text + out + err


def test_passwords_are_never_logged_returned_or_audited(app, client, accounts, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    identity, phone = accounts.next_identity()
    assert client.post("/api/v1/auth/phone-codes", json={"phone": phone}).status_code == 202
    answers = [client.post("/api/v1/auth/register", json={"name": "Wu Lan", "id_number": identity, "phone": phone,
                                                           "password": PASSWORD, "code": accounts.sent_code(phone)})]
    answers.append(client.post("/api/v1/auth/token", json={"username": phone, "password": PASSWORD}))
    answers.append(client.post("/api/v1/auth/token", json={"username": phone, "password": PASSWORD + "x"}))
    answers.append(client.post("/api/v1/auth/token", json={"username": "nobody", "password": PASSWORD}))
    weak = "onlyletters-" + PASSWORD.replace("1", "").replace("0", "").replace("7", "").replace("3", "")
    answers.append(client.post("/api/v1/auth/register", json={"name": "Wu Lan", "id_number": identity,
                                                              "phone": phone, "password": weak, "code": "000000"}))
    _, admin = accounts.admin()
    answers.append(client.post("/api/v1/admin/users", headers=admin, json={
        "role": "admin", "username": "second.admin", "password": PASSWORD, "name": "Second"}))
    assert [a.status_code for a in answers] == [201, 200, 401, 401, 422, 201]
    token = {"Authorization": f"Bearer {answers[1].get_json()['access_token']}"}
    answers += [client.get("/api/v1/me", headers=token), client.get("/api/v1/admin/users", headers=admin),
                client.get(f"/api/v1/admin/users/{answers[0].get_json()['id']}", headers=admin)]
    for answer in answers:
        body = answer.get_data(as_text=True)
        assert PASSWORD not in body and weak not in body and "$argon2" not in body and "password_hash" not in body
    logged = _everything_logged(caplog, capfd)
    assert logged and PASSWORD not in logged and weak not in logged
    with app.app_context():
        details = " ".join(f"{e.entity} {e.detail}" for e in db.session.scalars(select(AuditEntry)))
    assert PASSWORD not in details


def test_cors_is_off_by_default(client):
    for path in ("/api/v1/institutions", "/fhir/metadata"):
        for method in ("GET", "OPTIONS"):
            r = client.open(path, method=method, headers={"Origin": EVIL, "Access-Control-Request-Method": "GET"})
            assert "Access-Control-Allow-Origin" not in r.headers, (path, method)
    # Socket.IO's own handshake checks the Origin too: another site cannot open a connection.
    handshake = client.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": EVIL})
    assert handshake.status_code == 400
    assert client.get("/socket.io/?EIO=4&transport=polling").status_code == 200  # no Origin: not a browser


def test_cors_origins_are_configurable(make_app):
    app = make_app(CORS_ORIGINS=["https://app.example"])
    client = app.test_client()
    r = client.open("/api/v1/institutions", method="OPTIONS",
                    headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "Authorization" in r.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/institutions", headers={"Origin": EVIL}).headers
    handshake = "/socket.io/?EIO=4&transport=polling"
    assert client.get(handshake, headers={"Origin": "https://app.example"}).status_code == 200
    assert client.get(handshake, headers={"Origin": EVIL}).status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/institutions", "/fhir/Patient", "/fhir/metadata",
                                  "/api/v1/docs", "/api/v1/openapi.json", "/healthz", "/no/such/page"])
def test_security_headers_everywhere(client, accounts, path):
    _, headers = accounts.patient()
    r = client.get(path, headers=headers)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    if path.startswith(("/api/v1/me", "/api/v1/institutions", "/fhir")):
        assert r.headers["Cache-Control"] == "no-store"
        assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_https_requests_get_strict_transport_security(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    assert client.get("/healthz", base_url="https://localhost").headers["Strict-Transport-Security"]


def test_fhir_bodies_are_limited_too(app, client, accounts):
    _, headers = accounts.patient()
    big = b'{"resourceType": "Observation", "note": "' + b"x" * app.config["MAX_CONTENT_LENGTH"] + b'"}'
    r = client.post("/fhir/Observation", data=big, content_type="application/fhir+json", headers=headers)
    assert r.status_code == 413 and r.get_json()["resourceType"] == "OperationOutcome"


def test_uploads_cannot_smuggle_a_page(app, accounts, client, queue):
    """An HTML page named .png is refused; what is stored is served as a download, never inline."""
    from tests.clinic.consult.helpers import start_consultation

    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    url = f"/api/v1/consultations/{consultation['id']}/attachments"
    page = client.post(url, headers=patient.headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"<html><script>alert(1)</script>"), "x.png", "image/png")})
    assert page.status_code == 415
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    stored = client.post(url, headers=patient.headers, content_type="multipart/form-data",
                         data={"file": (io.BytesIO(png), 'a"b.html', "text/html")}).get_json()
    got = client.get(f"{url}/{stored['id']}", headers=doctor.headers)
    assert got.mimetype == "image/png" and got.headers["X-Content-Type-Options"] == "nosniff"
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="') and disposition.endswith('.png"')
    assert disposition.count('"') == 2  # the client's quote cannot break out of the header value
    assert "sandbox" in got.headers["Content-Security-Policy"]
