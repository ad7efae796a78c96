"""Registration through the public API (issue 16 item 6): a one-time code proves the phone; field checks;
answers that never tell whether a phone or identity number is registered; codes hashed, expiring, limited,
single use. Rate limits: tests/core/test_registration_limits.py; identity claims: test_id_claims.py;
races: test_registration_races.py."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.extensions import db
from core.identity import make_id_number
from core.models import PhoneCode, User
from tests.conftest import last_code

GOOD_ID = make_id_number("330203", date(1985, 3, 9), 42)  # even 17th digit: female
PHONE = "13800138000"


def ask_code(client, phone=PHONE, address="10.1.0.1"):
    return client.post("/api/v1/auth/phone-codes", json={"phone": phone}, environ_base={"REMOTE_ADDR": address})


def register(client, address="10.1.0.1", **overrides):
    body = {"name": "王芳", "id_number": GOOD_ID, "phone": PHONE, "password": "secret123", **overrides}
    return client.post("/api/v1/auth/register", json=body, environ_base={"REMOTE_ADDR": address})


def register_with_code(app, client, **overrides):
    phone = overrides.get("phone", PHONE)
    assert ask_code(client, phone).status_code == 202
    return register(client, code=last_code(app, phone), **overrides)


def later(seconds):
    moved = clock.now() + timedelta(seconds=seconds)
    clock.set_clock(lambda: moved)


def test_registration_with_the_texted_code_creates_a_patient_linked_to_a_record(app, client):
    asked = ask_code(client, "+86 138 0013 8000")
    assert asked.status_code == 202
    assert asked.get_json() == {"status": "accepted", "expires_in": 600, "resend_after": 60}
    r = register(client, code=last_code(app, PHONE))
    assert r.status_code == 201
    body = r.get_json()
    assert set(body) == {"id", "role", "patient_id"} and body["role"] == "patient" and body["patient_id"]
    assert client.post("/api/v1/auth/token", json={"username": PHONE, "password": "secret123"}).status_code == 200


def test_a_registration_without_the_code_is_refused(app, client):
    r = register(client)
    assert r.status_code == 422 and "code" in {e["field"] for e in r.get_json()["errors"]}
    r = register(client, code="123456")  # no code was ever sent to the phone
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_code"


def field_errors(response):
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "validation_error" and body["status"] == 422
    return {e["field"]: e["message"] for e in body["errors"]}


def test_bad_check_digit_is_a_field_error(app, client):
    bad = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")
    assert "check digit" in field_errors(register_with_code(app, client, id_number=bad))["id_number"]


def test_bad_phone_is_a_field_error_at_both_steps(client):
    assert "mobile" in field_errors(ask_code(client, "12345"))["phone"]
    assert "mobile" in field_errors(register(client, phone="12345", code="000000"))["phone"]


def test_gender_must_agree_with_the_identity_number(app, client):
    assert "agree" in field_errors(register_with_code(app, client, gender="male"))["gender"]
    # The field error cost no attempt: the same code still registers.
    assert register(client, gender="female", code=last_code(app, PHONE)).status_code == 201


def test_weak_password_is_refused(app, client):
    assert "letters and digits" in field_errors(register_with_code(app, client, password="onlyletters"))["password"]


def test_missing_fields_are_listed(client):
    r = client.post("/api/v1/auth/register", json={"name": "x"})
    assert set(field_errors(r)) >= {"id_number", "phone", "password", "code"}


def test_asking_for_a_code_answers_alike_for_a_registered_phone_and_warns_its_owner_instead(app, client):
    assert register_with_code(app, client).status_code == 201
    later(120)
    registered = ask_code(client, PHONE, address="10.1.0.9")
    fresh = ask_code(client, "13900139000", address="10.1.0.9")
    assert (registered.status_code, registered.get_json()) == (fresh.status_code, fresh.get_json())
    assert registered.headers.get("Content-Type") == fresh.headers.get("Content-Type")
    assert last_code(app, "13900139000")
    warning = app.extensions["core.sms_gateway"].messages_to(PHONE)[-1]
    assert "already has one" in warning and last_code(app, PHONE) is None  # the owner learns; nobody gets a code


def test_registering_a_registered_phone_is_the_same_refusal_as_a_wrong_code(app, client):
    assert register_with_code(app, client).status_code == 201
    later(120)
    ask_code(client, PHONE)  # the owner is warned; no code exists
    other = make_id_number("330203", date(1990, 1, 1), 7)
    taken = register(client, id_number=other, code="000000")
    ask_code(client, "13900139000")
    wrong = register(client, id_number=other, phone="13900139000", code="000000")
    for r in (taken, wrong):
        assert r.status_code == 422 and r.get_json()["code"] == "invalid_code"
    strip = lambda body: {k: v for k, v in body.items() if k != "request_id"}  # noqa: E731
    assert strip(taken.get_json()) == strip(wrong.get_json())


def test_a_code_is_stored_hashed_and_works_once(app, client):
    ask_code(client)
    code = last_code(app, PHONE)
    with app.app_context():
        row = db.session.scalar(select(PhoneCode))
        assert code not in row.code_hash and len(row.code_hash) == 64
    assert register(client, code=code).status_code == 201
    r = register(client, code=code, id_number=make_id_number("330203", date(1990, 1, 1), 7))
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_code"


def test_a_code_expires(app, client):
    ask_code(client)
    later(app.config["PHONE_CODE_TTL_SECONDS"] + 1)
    assert register(client, code=last_code(app, PHONE)).get_json()["code"] == "invalid_code"


def test_a_code_dies_after_its_wrong_attempts(app, client):
    ask_code(client)
    code = last_code(app, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(app.config["PHONE_CODE_MAX_ATTEMPTS"]):
        assert register(client, code=wrong).get_json()["code"] == "invalid_code"
    assert register(client, code=code).get_json()["code"] == "invalid_code"
    later(61)  # a new code works
    ask_code(client)
    assert register(client, code=last_code(app, PHONE)).status_code == 201


def test_a_new_code_replaces_the_previous_one(app, client):
    ask_code(client)
    first = last_code(app, PHONE)
    later(61)
    ask_code(client)
    second = last_code(app, PHONE)
    if first != second:
        assert register(client, code=first).get_json()["code"] == "invalid_code"
    assert register(client, code=second).status_code == 201


def test_a_gateway_failure_is_a_503_to_retry_and_keeps_no_code(app, client):
    from core.sms import SmsError

    gateway = app.extensions["core.sms_gateway"]
    gateway.fail_with = SmsError("provider timed out")
    failed = ask_code(client)
    assert failed.status_code == 503 and failed.get_json()["code"] == "sms_unavailable"
    assert int(failed.headers["Retry-After"]) > 0
    with app.app_context():
        assert db.session.scalar(select(PhoneCode)) is None
    gateway.fail_with = None
    later(61)
    assert ask_code(client).status_code == 202
    assert register(client, code=last_code(app, PHONE)).status_code == 201


def test_failed_registration_writes_no_account(app, client):
    register_with_code(app, client, phone="13900139000", password="short")
    with app.app_context():
        assert db.session.query(User).count() == 0


@pytest.mark.parametrize("phone", ["13800138000", "+8613800138000"])
def test_the_code_is_bound_to_the_phone(app, client, phone):
    ask_code(client, "13900139000")
    r = register(client, phone=phone, code=last_code(app, "13900139000"))
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_code"
