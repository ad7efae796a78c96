"""Rate limits of registration (core.registration_limits): per phone and per address, stored in the
database, with Retry-After, and alike for registered and unregistered phones."""
from datetime import timedelta

from core import clock
from core.jobs import purge_login_attempts, purge_phone_codes
from tests.conftest import last_code
from tests.core.test_registration import ask_code, register


def later(seconds):
    moved = clock.now() + timedelta(seconds=seconds)
    clock.set_clock(lambda: moved)


def test_a_phone_waits_between_codes_and_has_a_quota_per_window(app, client):
    first = ask_code(client, "13900000001", address="10.2.0.1")
    assert first.status_code == 202
    again = ask_code(client, "13900000001", address="10.2.0.2")  # another address: same phone, same wait
    assert again.status_code == 429 and again.get_json()["code"] == "too_many_requests"
    assert 0 < int(again.headers["Retry-After"]) <= app.config["PHONE_CODE_RESEND_SECONDS"]
    for _ in range(app.config["PHONE_CODES_PER_PHONE"] - 1):
        later(app.config["PHONE_CODE_RESEND_SECONDS"])
        assert ask_code(client, "13900000001", address="10.2.0.1").status_code == 202
    later(app.config["PHONE_CODE_RESEND_SECONDS"])
    refused = ask_code(client, "13900000001", address="10.2.0.3")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) <= app.config["REGISTRATION_LIMIT_WINDOW_SECONDS"]
    later(int(refused.headers["Retry-After"]))
    assert ask_code(client, "13900000001", address="10.2.0.3").status_code == 202


def test_an_address_asking_for_many_phones_is_stopped(app, client):
    limit = app.config["PHONE_CODES_PER_ADDRESS"]
    for n in range(limit):
        assert ask_code(client, f"1390000{n:04d}", address="10.2.1.1").status_code == 202
    refused = ask_code(client, "13911111111", address="10.2.1.1")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert ask_code(client, "13911111111", address="10.2.1.2").status_code == 202  # the refusal used no quota


def test_the_limits_answer_alike_for_a_registered_phone(app, accounts, client):
    account = accounts.register_patient()
    later(app.config["PHONE_CODE_RESEND_SECONDS"])
    answers = []
    for phone in (account["phone"], "13922222222"):
        answers.append([ask_code(client, phone, address="10.2.2.1") for _ in range(2)])
    (reg_ok, reg_refused), (new_ok, new_refused) = answers
    assert reg_ok.status_code == new_ok.status_code == 202
    assert reg_refused.status_code == new_refused.status_code == 429
    assert reg_refused.headers["Retry-After"] == new_refused.headers["Retry-After"]


def test_registration_attempts_are_limited_per_address(app, client):
    for _ in range(app.config["REGISTRATIONS_PER_ADDRESS"]):
        assert register(client, address="10.2.3.1", code="000000").status_code == 422
    ask_code(client, address="10.2.3.9")
    refused = register(client, address="10.2.3.1", code=last_code(app, "13800138000"))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert register(client, address="10.2.3.2", code=last_code(app, "13800138000")).status_code == 201


def test_the_counts_live_in_the_database_and_are_purged_after_the_window(app, client):
    from sqlalchemy import func, select

    from core.extensions import db
    from core.models import LoginAttempt

    ask_code(client, "13900000009", address="10.2.4.1")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 2  # per phone, per address
        later(app.config["LOGIN_FAILURE_WINDOW_SECONDS"] + 1)
        purge_login_attempts()  # the login window is shorter: the registration counts stay
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 2
        assert purge_phone_codes() == 1  # the code expired after 10 minutes; the counts stay for their hour
        later(app.config["REGISTRATION_LIMIT_WINDOW_SECONDS"])
        assert purge_phone_codes() == 2
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
