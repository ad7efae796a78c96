"""Real gunicorn processes keep the tokens they have seen (core.token_cache); a logout or a deactivation
served by one process stops the token in another within about TOKEN_REVOCATION_POLL_SECONDS."""
import time

import pytest
import requests

from tests.clinic.consult.procs import ServerProcess

pytestmark = [pytest.mark.live, pytest.mark.slow]
POLL = 1.0  # the servers' TOKEN_REVOCATION_POLL_SECONDS (the default)
SLACK = 4.0  # scheduling on a busy test machine; the bound under test is POLL


@pytest.fixture()
def two_servers(app):
    servers = [ServerProcess(app.config["SQLALCHEMY_DATABASE_URI"], TOKEN_REVOCATION_POLL_SECONDS=str(POLL))
               for _ in range(2)]
    try:
        yield [server.start() for server in servers]
    finally:
        for server in servers:
            server.stop()


def _refused_within(url, headers, started, limit, path="/api/v1/me"):
    """Seconds from `started` until `url` answers 401 to `headers` (fails after `limit`)."""
    while True:
        status = requests.get(f"{url}{path}", headers=headers, timeout=10).status_code
        elapsed = time.monotonic() - started
        if status == 401:
            return elapsed
        assert status == 200 and elapsed < limit, f"still {status} after {elapsed:.1f} s"
        time.sleep(0.05)


def test_a_logout_through_one_process_stops_the_token_in_the_other(accounts, two_servers):
    one, two = two_servers
    _, headers = accounts.patient()
    for _ in range(2):  # the second answer comes from two's cache
        assert requests.get(f"{two.url}/api/v1/me", headers=headers, timeout=10).status_code == 200
    started = time.monotonic()
    assert requests.post(f"{one.url}/api/v1/auth/logout", headers=headers, timeout=10).status_code == 204
    assert _refused_within(two.url, headers, started, POLL + SLACK) < POLL + SLACK
    assert requests.get(f"{one.url}/api/v1/me", headers=headers, timeout=10).status_code == 401


def test_a_deactivation_through_one_process_stops_the_account_in_the_other(accounts, two_servers):
    one, two = two_servers
    _, admin = accounts.admin()
    account, headers = accounts.patient()
    for _ in range(2):
        assert requests.get(f"{two.url}/api/v1/me", headers=headers, timeout=10).status_code == 200
    started = time.monotonic()
    r = requests.patch(f"{one.url}/api/v1/admin/users/{account['id']}", json={"is_active": False}, headers=admin,
                       timeout=10)
    assert r.status_code == 200, r.text
    assert _refused_within(two.url, headers, started, POLL + SLACK) < POLL + SLACK


def test_a_logout_through_one_process_stops_the_plain_fhir_read_in_the_other(accounts, two_servers):
    """The plain read answered below Flask (records.fhir.fast_read) takes only cached tokens: the same watch stops them."""
    one, two = two_servers
    account, headers = accounts.patient()
    read = f"/fhir/Patient/{account['patient_id']}"
    for _ in range(3):  # the first through Flask's path, which caches the token; the others below it
        assert requests.get(f"{two.url}{read}", headers=headers, timeout=10).status_code == 200
    started = time.monotonic()
    assert requests.post(f"{one.url}/api/v1/auth/logout", headers=headers, timeout=10).status_code == 204
    assert _refused_within(two.url, headers, started, POLL + SLACK, path=read) < POLL + SLACK
