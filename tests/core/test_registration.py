"""POST /api/v1/auth/register: real-name validation, duplicates, the problem-details shape."""
from datetime import date

import pytest

from core.identity import make_id_number

GOOD_ID = make_id_number("330203", date(1985, 3, 9), 42)  # even 17th digit: female


def register(client, **overrides):
    body = {"name": "王芳", "id_number": GOOD_ID, "phone": "13800138000", "password": "secret123", **overrides}
    return client.post("/api/v1/auth/register", json=body)


def test_registration_creates_a_patient_linked_to_a_record(client):
    r = register(client)
    assert r.status_code == 201
    body = r.get_json()
    assert body["role"] == "patient" and body["id"] and body["patient_id"]


def field_errors(response):
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "validation_error" and body["status"] == 422
    return {e["field"]: e["message"] for e in body["errors"]}


def test_bad_check_digit_is_a_field_error(client):
    bad = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")
    assert "check digit" in field_errors(register(client, id_number=bad))["id_number"]


def test_bad_phone_is_a_field_error(client):
    assert "mobile" in field_errors(register(client, phone="12345"))["phone"]


def test_gender_must_agree_with_the_identity_number(client):
    assert "agree" in field_errors(register(client, gender="male"))["gender"]
    assert register(client, gender="female").status_code == 201


def test_weak_password_is_refused(client):
    assert "letters and digits" in field_errors(register(client, password="onlyletters"))["password"]


def test_missing_fields_are_listed(client):
    r = client.post("/api/v1/auth/register", json={"name": "x"})
    assert set(field_errors(r)) >= {"id_number", "phone", "password"}


@pytest.mark.parametrize("clash", ["id_number", "phone"])
def test_duplicate_identity_or_phone_conflicts(client, clash):
    assert register(client).status_code == 201
    other = {"id_number": make_id_number("330203", date(1990, 1, 1), 7), "phone": "13900139000"}
    other.pop(clash)
    r = register(client, **other)
    assert r.status_code == 409 and r.get_json()["code"] == "account_exists"


def test_failed_registration_writes_nothing(app, client):
    from core.extensions import db
    from core.models import User

    register(client, phone="bad")
    with app.app_context():
        assert db.session.query(User).count() == 0
