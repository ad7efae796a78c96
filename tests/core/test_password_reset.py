"""Password reset through the public API: a one-time code to the account's phone, then a new password with it;
answers that never tell whether a phone has an account; a reset code cannot register a phone nor a registration
code reset a password; a weak password costs no attempt; the account's sessions end; audited."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from sqlalchemy import select

from core.extensions import db
from core import sms
from core.models import AuditEntry
from tests.conftest import last_code
from tests.core.test_registration import PHONE, ask_code, later, register_with_code

NEW = "another passphrase 2027"


def ask_reset(client, phone=PHONE, address="10.2.0.1"):
    return client.post("/api/v1/auth/password-codes", json={"phone": phone}, environ_base={"REMOTE_ADDR": address})


def reset(client, code, password=NEW, phone=PHONE, address="10.2.0.1"):
    return client.post("/api/v1/auth/password-reset", json={"phone": phone, "code": code, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def login(client, password, phone=PHONE):
    return client.post("/api/v1/auth/token", json={"username": phone, "password": password})


def test_the_texted_code_sets_a_new_password_and_ends_every_session(app, client):
    assert register_with_code(app, client).status_code == 201
    later(61)  # one code per phone per PHONE_CODE_RESEND_SECONDS, whatever its purpose
    old_token = login(client, "secret123").get_json()["access_token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {old_token}"}).status_code == 200

    asked = ask_reset(client, "+86 138 0013 8000")
    assert asked.status_code == 202
    assert asked.get_json() == {"status": "accepted", "expires_in": 600, "resend_after": 60}
    assert reset(client, last_code(app, PHONE)).status_code == 204

    assert login(client, "secret123").status_code == 401
    assert login(client, NEW).status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {old_token}"}).status_code == 401
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reset_password")).all()
        assert len(entries) == 1 and '"tokens_revoked": 1' in entries[0].detail


def test_a_phone_without_an_account_gets_the_same_answer_and_no_code(app, client):
    unknown = "13900139000"
    asked = ask_reset(client, unknown)
    assert asked.status_code == 202
    assert asked.get_json() == {"status": "accepted", "expires_in": 600, "resend_after": 60}
    assert last_code(app, unknown) is None  # the holder is told by text that the phone has no account
    assert "has none" in app.extensions[sms.EXTENSION].messages_to(unknown)[-1]
    r = reset(client, "123456", phone=unknown)
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_code"


def test_codes_serve_one_purpose(app, client):
    assert register_with_code(app, client).status_code == 201
    later(61)  # one code per phone per PHONE_CODE_RESEND_SECONDS, whatever its purpose
    other = "13700137000"
    # a registration code (for a phone without an account) does not reset anything
    assert ask_code(client, other).status_code == 202
    r = reset(client, last_code(app, other), phone=other)
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_code"
    # a reset code does not register a phone
    assert ask_reset(client, PHONE, address="10.2.0.2").status_code == 202
    reset_code = last_code(app, PHONE)
    r = client.post("/api/v1/auth/register", json={"name": "X", "id_number": "330203198503090428", "phone": PHONE,
                                                   "password": "secret123", "code": reset_code},
                    environ_base={"REMOTE_ADDR": "10.2.0.3"})
    assert r.status_code == 422
    # ...and is still good for its own purpose (the refused registration tried the registration MAC)
    assert reset(client, reset_code).status_code == 204


def test_bad_input_is_a_clear_422_and_a_weak_password_costs_no_attempt(app, client):
    assert register_with_code(app, client).status_code == 201
    later(61)  # one code per phone per PHONE_CODE_RESEND_SECONDS, whatever its purpose
    assert ask_reset(client).status_code == 202
    code = last_code(app, PHONE)
    for _ in range(6):  # more than PHONE_CODE_MAX_ATTEMPTS: the policy is checked before the code
        r = reset(client, code, password="short")
        assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "password"
    r = client.post("/api/v1/auth/password-reset", json={"phone": "not a phone", "code": "1", "password": NEW})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "phone"
    assert client.post("/api/v1/auth/password-reset", json={}).status_code == 422
    assert client.post("/api/v1/auth/password-reset", data="x" * 100_000, content_type="application/json").status_code \
        in (400, 413, 422)
    assert reset(client, "000000" if code != "000000" else "111111").status_code == 422
    assert reset(client, code).status_code == 204
    assert reset(client, code, password="yet another passphrase 3").status_code == 422  # single use


@pytest.mark.live
def test_of_parallel_resets_with_the_right_code_one_wins(app, client, live_server):
    """Two devices racing over HTTP with the same code: exactly one new password is set."""
    assert register_with_code(app, client).status_code == 201
    later(61)  # one code per phone per PHONE_CODE_RESEND_SECONDS, whatever its purpose
    assert ask_reset(client).status_code == 202
    code = last_code(app, PHONE)
    passwords = ["first passphrase 1", "second passphrase 2"]
    barrier = threading.Barrier(len(passwords))

    def send(password):
        with requests.Session() as session:
            session.get(f"{live_server.url}/healthz", timeout=60)
            barrier.wait(timeout=60)
            return session.post(f"{live_server.url}/api/v1/auth/password-reset", timeout=60,
                                json={"phone": PHONE, "code": code, "password": password}).status_code

    with ThreadPoolExecutor(max_workers=len(passwords)) as pool:
        statuses = list(pool.map(send, passwords))
    assert sorted(statuses) == [204, 422]
    winner = passwords[statuses.index(204)]
    assert login(client, winner).status_code == 200
    assert login(client, passwords[statuses.index(422)]).status_code == 401
