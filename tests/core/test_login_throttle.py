"""Login throttling slows guessing without locking the account's owner out (core.ratelimit)."""
from contextlib import contextmanager
from datetime import timedelta

from core import clock

WRONG = "wrong1234"


def _login(client, username, password, address):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _advance(seconds):
    later = clock.now() + timedelta(seconds=seconds)
    clock.set_clock(lambda: later)


@contextmanager
def _config(app, **values):
    previous = {key: app.config[key] for key in values}
    app.config.update(values)
    try:
        yield
    finally:
        app.config.update(previous)


def test_a_guesser_slows_only_themselves_and_the_owner_still_gets_in(app, accounts, client):
    account = accounts.register_patient()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert _login(client, account["phone"], WRONG, "10.0.0.66").status_code == 401
    refused = _login(client, account["phone"], account["password"], "10.0.0.66")
    assert refused.status_code == 429 and refused.get_json()["code"] == "too_many_attempts"
    assert _login(client, account["phone"], account["password"], "10.0.0.2").status_code == 200
    accounts.staff("doctor", "dr.locked", practitioner_id="prac-9")
    for _ in range(20):  # nor is a doctor's (five wrong passwords used to lock any account for 15 minutes)
        _login(client, "dr.locked", WRONG, "10.0.0.67")
    assert _login(client, "dr.locked", "staffpass1", "10.0.0.3").status_code == 200


def test_each_further_failure_doubles_the_wait(app, accounts, client):
    account = accounts.register_patient()
    base, address = app.config["LOGIN_BACKOFF_SECONDS"], "10.0.0.70"
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        _login(client, account["phone"], WRONG, address)
    waits = []
    for _ in range(3):
        refused = _login(client, account["phone"], WRONG, address)
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        _advance(waits[-1])
        assert _login(client, account["phone"], WRONG, address).status_code == 401  # one more guess, then wait
    assert waits == [base, 2 * base, 4 * base]
    _advance(8 * base)
    assert _login(client, "+86 " + account["phone"], account["password"], address).status_code == 200
    assert _login(client, account["phone"], WRONG, address).status_code == 401  # the success cleared the pair


def test_a_guess_spread_over_many_addresses_spares_the_owners_known_address(app, accounts, client):
    account = accounts.register_patient()
    assert _login(client, account["phone"], account["password"], "10.0.1.1").status_code == 200  # home
    with _config(app, LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_ADDRESSES=12):
        for n in range(12):  # a botnet: 12 addresses, one guess each
            assert _login(client, account["phone"], WRONG, f"10.9.0.{n}").status_code == 401
        refused = _login(client, account["phone"], account["password"], "10.9.1.1")  # a new address
        assert refused.status_code == 429
        window = app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
        assert 0 < int(refused.headers["Retry-After"]) <= window
        assert _login(client, account["phone"], account["password"], "10.0.1.1").status_code == 200
        _advance(window + 1)
        assert _login(client, account["phone"], account["password"], "10.9.1.1").status_code == 200


def test_one_address_trying_many_accounts_is_stopped(app, accounts, client):
    account = accounts.register_patient()
    for n in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        _login(client, f"nobody{n}", WRONG, "10.0.0.80")
    assert _login(client, account["phone"], account["password"], "10.0.0.80").status_code == 429
    assert _login(client, account["phone"], account["password"], "10.0.0.81").status_code == 200
