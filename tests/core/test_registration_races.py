"""Registration races with real parallel clients over HTTP: one code registers once, parallel guesses
cannot exceed the attempt limit, parallel code requests send one code, one identity number ends on one
account (the other registration files a claim)."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import requests
from sqlalchemy import func, select

from core.extensions import db
from core.identity import make_id_number
from core.models import IdNumberClaim, PhoneCode, User
from tests.conftest import last_code

pytestmark = [pytest.mark.live]


def _race(url, path, bodies):
    """POST every body at once (behind a barrier); return the status codes in order."""
    barrier = threading.Barrier(len(bodies))

    def send(body):
        with requests.Session() as session:
            session.get(f"{url}/healthz", timeout=60)
            barrier.wait(timeout=60)
            return session.post(f"{url}{path}", json=body, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, bodies))


def _person(phone, id_number, code):
    return {"name": "Zhou Min", "id_number": id_number, "phone": phone, "password": "secret123", "code": code}


def test_one_code_registers_one_account_however_many_use_it_at_once(app, live_server):
    phone = "13700000001"
    assert requests.post(f"{live_server.url}/api/v1/auth/phone-codes", json={"phone": phone}).status_code == 202
    code = last_code(app, phone)
    bodies = [_person(phone, make_id_number("330203", date(1980, 1, 1), n), code) for n in range(6)]
    statuses = _race(live_server.url, "/api/v1/auth/register", bodies)
    assert sorted(statuses) == [201] + [422] * 5, statuses
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_parallel_wrong_guesses_cannot_pass_the_attempt_limit(app, live_server):
    phone = "13700000002"
    requests.post(f"{live_server.url}/api/v1/auth/phone-codes", json={"phone": phone})
    code = last_code(app, phone)
    wrong = "000000" if code != "000000" else "111111"
    identity = make_id_number("330203", date(1980, 1, 1), 9)
    statuses = _race(live_server.url, "/api/v1/auth/register", [_person(phone, identity, wrong)] * 12)
    assert set(statuses) == {422}
    with app.app_context():
        assert db.session.scalar(select(PhoneCode.attempts)) == app.config["PHONE_CODE_MAX_ATTEMPTS"]
    late = requests.post(f"{live_server.url}/api/v1/auth/register", json=_person(phone, identity, code))
    assert late.status_code == 422 and late.json()["code"] == "invalid_code"


def test_parallel_code_requests_for_one_phone_send_one_code(app, live_server):
    phone = "13700000003"
    statuses = _race(live_server.url, "/api/v1/auth/phone-codes", [{"phone": phone}] * 6)
    assert sorted(statuses) == [202] + [429] * 5, statuses
    assert len(app.extensions["core.sms_gateway"].messages_to(phone)) == 1


def test_one_identity_number_registered_twice_at_once_ends_on_one_account_and_one_claim(app, live_server):
    identity = make_id_number("330203", date(1980, 1, 1), 11)
    phones = ["13700000004", "13700000005", "13700000006"]
    for phone in phones:
        requests.post(f"{live_server.url}/api/v1/auth/phone-codes", json={"phone": phone})
    statuses = _race(live_server.url, "/api/v1/auth/register",
                     [_person(phone, identity, last_code(app, phone)) for phone in phones])
    assert statuses == [201, 201, 201]  # the same answer for everyone
    with app.app_context():
        holders = db.session.scalars(select(User).where(User.id_number == identity)).all()
        claims = db.session.scalars(select(IdNumberClaim)).all()
        assert len(holders) == 1 and len(claims) == 2
        assert {claim.holder_id for claim in claims} == {holders[0].id}
