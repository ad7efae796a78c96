"""Login, logout, expiry, throttling, roles: POST /api/v1/auth/token and friends."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.extensions import db


def test_login_returns_an_expiring_bearer_token(accounts, client):
    account = accounts.register_patient()
    r = client.post("/api/v1/auth/token", json={"username": account["phone"], "password": "secret123"})
    body = r.get_json()
    assert r.status_code == 200
    assert body["token_type"] == "Bearer" and body["role"] == "patient" and body["expires_in"] > 0
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.get_json()["name"] == "Li Wei"


def test_wrong_password_and_unknown_user_look_the_same(accounts, client):
    account = accounts.register_patient()
    wrong = client.post("/api/v1/auth/token", json={"username": account["phone"], "password": "nope12345"})
    unknown = client.post("/api/v1/auth/token", json={"username": "13700000000", "password": "nope12345"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["detail"] == unknown.get_json()["detail"]
    assert wrong.get_json()["code"] == unknown.get_json()["code"] == "invalid_credentials"


def test_logout_revokes_the_token(accounts, client):
    _, headers = accounts.patient()
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_refused(accounts, client):
    _, headers = accounts.patient()
    later = clock.now() + timedelta(hours=8, seconds=1)
    clock.set_clock(lambda: later)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz"])
def test_missing_or_bad_tokens_are_401(client, header):
    r = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert r.status_code == 401 and r.mimetype == "application/problem+json"


def test_account_is_throttled_after_repeated_failures(app, accounts, client):
    account = accounts.register_patient()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert client.post("/api/v1/auth/token",
                           json={"username": account["phone"], "password": "wrong1234"}).status_code == 401
    # Even the right password is refused while throttled: guessing cannot continue.
    r = client.post("/api/v1/auth/token", json={"username": account["phone"], "password": "secret123"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.get_json()["code"] == "too_many_attempts"
    window = app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    later = clock.now() + timedelta(seconds=window + 1)
    clock.set_clock(lambda: later)
    ok = client.post("/api/v1/auth/token", json={"username": account["phone"], "password": "secret123"})
    assert ok.status_code == 200


def test_address_is_throttled_across_accounts(app, client):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        client.post("/api/v1/auth/token", json={"username": f"nobody{i}", "password": "wrong1234"})
    r = client.post("/api/v1/auth/token", json={"username": "someone-else", "password": "wrong1234"})
    assert r.status_code == 429


def test_success_resets_the_account_count(app, accounts, client):
    account = accounts.register_patient()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit - 1):
        client.post("/api/v1/auth/token", json={"username": account["phone"], "password": "wrong1234"})
    accounts.login(account["phone"], "secret123")
    for _ in range(limit - 1):
        client.post("/api/v1/auth/token", json={"username": account["phone"], "password": "wrong1234"})
    accounts.login(account["phone"], "secret123")


def test_patients_may_log_in_with_a_prefixed_phone(accounts, client):
    account = accounts.register_patient()
    accounts.login("+86 " + account["phone"], "secret123")


def test_admin_creates_staff_and_other_roles_are_refused(app, accounts, client):
    from clinic.directory import services as directory
    from core.extensions import db

    with app.app_context():  # the practitioner linked must exist (tests/core/test_staff_links.py)
        directory.save_doctor({"practitioner_id": "prac-1", "name": "Zhang San", "institution_ids": []})
        db.session.commit()
    _, admin = accounts.admin()
    _, patient = accounts.patient()
    body = {"role": "doctor", "username": "dr.zhang", "password": "doctor123", "name": "Zhang San",
            "practitioner_id": "prac-1"}
    assert client.post("/api/v1/admin/users", json=body, headers=patient).status_code == 403
    assert client.post("/api/v1/admin/users", json=body).status_code == 401
    r = client.post("/api/v1/admin/users", json=body, headers=admin)
    assert r.status_code == 201 and r.get_json()["practitioner_id"] == "prac-1"
    assert "password" not in r.get_json() and "password_hash" not in r.get_json()
    doctor = accounts.login("dr.zhang", "doctor123")
    me = client.get("/api/v1/me", headers=doctor).get_json()
    assert me["role"] == "doctor" and me["practitioner_id"] == "prac-1"
    assert client.post("/api/v1/admin/users", json=body, headers=admin).get_json()["code"] == "link_taken"
    assert client.post("/api/v1/admin/users", json={**body, "role": "admin"}, headers=admin).status_code == 409


def test_staff_links_are_required(accounts, client):
    _, admin = accounts.admin()
    r = client.post("/api/v1/admin/users", headers=admin,
                    json={"role": "pharmacist", "username": "ph1", "password": "pharma123", "name": "P"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "pharmacy_id"


def test_create_admin_cli(runner, accounts):
    result = runner.invoke(args=["users", "create-admin", "--username", "root", "--password", "rootpass1"])
    assert result.exit_code == 0, result.output
    accounts.login("root", "rootpass1")
    again = runner.invoke(args=["users", "create-admin", "--username", "root", "--password", "rootpass1"])
    assert again.exit_code != 0 and "taken" in again.output


def test_create_admin_asks_for_the_password_when_not_given(runner, accounts):
    # Typed at a hidden prompt, twice, it stays out of the shell history and the process list.
    result = runner.invoke(args=["users", "create-admin", "--username", "first"], input="firstpass1\nfirstpass1\n")
    assert result.exit_code == 0, result.output
    assert "firstpass1" not in result.output
    accounts.login("first", "firstpass1")


def test_passwords_are_stored_hashed_with_argon2(app, accounts):
    from core.extensions import db
    from core.models import User

    accounts.register_patient()
    with app.app_context():
        user = db.session.query(User).one()
        assert user.password_hash.startswith("$argon2id$") and "secret123" not in user.password_hash


def test_deactivating_an_account_refuses_its_logins_and_revokes_its_tokens(app, accounts, client):
    from core.models import AuditEntry

    _, admin = accounts.admin()
    doctor_id, doctor = accounts.staff("doctor", "dr.leaving", practitioner_id="pr-leaving")
    second_login = accounts.login("dr.leaving", "staffpass1")
    r = client.patch(f"/api/v1/admin/users/{doctor_id}", json={"is_active": False}, headers=admin)
    assert r.status_code == 200 and r.get_json()["is_active"] is False
    for headers in (doctor, second_login):  # every live token, not only one
        assert client.get("/api/v1/me", headers=headers).status_code == 401
    refused = client.post("/api/v1/auth/token", json={"username": "dr.leaving", "password": "staffpass1"})
    assert refused.status_code == 401 and refused.get_json()["code"] == "invalid_credentials"
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == f"User/{doctor_id}")).one()
        assert entry.action == "deactivate" and entry.outcome == "success" and '"tokens_revoked": 2' in entry.detail

    back = client.patch(f"/api/v1/admin/users/{doctor_id}", json={"is_active": True}, headers=admin)
    assert back.status_code == 200 and back.get_json()["is_active"] is True
    assert client.get("/api/v1/me", headers=doctor).status_code == 401  # revoked tokens stay revoked
    assert client.get("/api/v1/me", headers=accounts.login("dr.leaving", "staffpass1")).status_code == 200


def test_deactivation_is_for_admins_and_never_of_oneself(accounts, client):
    admin_id, admin = accounts.admin()
    _, patient_headers = accounts.patient()
    own = client.patch(f"/api/v1/admin/users/{admin_id}", json={"is_active": False}, headers=admin)
    assert own.status_code == 409 and own.get_json()["code"] == "own_account"
    assert client.get("/api/v1/me", headers=admin).status_code == 200
    forbidden = client.patch(f"/api/v1/admin/users/{admin_id}", json={"is_active": False}, headers=patient_headers)
    assert forbidden.status_code == 403
    assert client.patch("/api/v1/admin/users/nobody", json={"is_active": False}, headers=admin).status_code == 404
    assert client.patch(f"/api/v1/admin/users/{admin_id}", json={"is_active": "maybe"},
                        headers=admin).status_code == 422
