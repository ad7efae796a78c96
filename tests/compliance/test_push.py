"""Pushing the feed to a real receiver: down for a while, then every entry arrives once, signed, in order;
a delivery that keeps failing is a dead letter that holds back its trace until an admin replays it; receivers
inside the network are refused; secrets are never shown."""
from datetime import timedelta

import pytest

from core import clock, scheduler
from tests.compliance.receiver import Receiver
from tests.compliance.test_feed import _delivered_chain
from tests.compliance.conftest import whole_feed

SECRET = "a-shared-secret-of-the-regulator"


@pytest.fixture()
def private_allowed(app):
    app.config["SUPERVISION_ALLOW_PRIVATE_ENDPOINTS"] = True
    yield
    app.config["SUPERVISION_ALLOW_PRIVATE_ENDPOINTS"] = False


@pytest.fixture()
def receiver():
    made = Receiver(SECRET).up()
    yield made
    if made.server:
        made.server.server_close()


def _endpoint(client, admin, url, **extra):
    r = client.post("/api/v1/supervision/endpoints", json={"url": url, "secret": SECRET, **extra}, headers=admin)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _push(app):
    return scheduler.run_job(app, "compliance.push_feed")


def _at(moment):
    clock.set_clock(lambda: moment)


def test_a_receiver_down_for_a_while_catches_up_with_every_entry_once_in_order(app, client, world, regulator,
                                                                               private_allowed, receiver):
    start = clock.now()
    endpoint = _endpoint(client, world.admin, receiver.url)
    assert "secret" not in endpoint
    _delivered_chain(world)
    receiver.down()
    _at(start + timedelta(minutes=1))
    assert _push(app) == 0  # refused connection: one try counted, the rest keep their turn
    _at(start + timedelta(minutes=2))
    assert _push(app) == 0
    receiver.up()
    _at(start + timedelta(minutes=3))  # the first entry waited 10 s, then 20 s: due again
    feed = whole_feed(client, regulator)
    assert _push(app) == len(feed) == 4
    assert [(p, t, k) for p, t, k, _ in receiver.received] == [(e["position"], e["trace_id"], e["kind"]) for e in feed]
    assert all(valid for *_, valid in receiver.received)
    assert _push(app) == 0  # nothing twice


def test_a_dead_letter_holds_back_its_trace_until_replayed(app, client, world, regulator, private_allowed,
                                                          receiver):
    app.config["SUPERVISION_PUSH_MAX_ATTEMPTS"] = 2
    try:
        start = clock.now()
        endpoint = _endpoint(client, world.admin, receiver.url)
        _delivered_chain(world)
        patient_id, _ = world.patient()
        other = world.prescribe(world.doctor(), patient_id)["id"]  # another trace
        feed = whole_feed(client, regulator)
        receiver.fail_positions = {feed[1]["position"]}  # the approval of the first chain
        for minute in (1, 2, 3):
            _at(start + timedelta(minutes=minute))
            _push(app)
        got = [p for p, *_ in receiver.received]
        assert got == [feed[0]["position"], feed[4]["position"]]  # the first trace stops; the other goes on
        assert feed[4]["trace_id"] == f"rx-{other}"
        dead = client.get(f"/api/v1/supervision/endpoints/{endpoint['id']}/dead-letters", headers=world.admin)
        assert [d["entry_id"] for d in dead.get_json()["items"]] == [feed[1]["position"]]
        assert dead.get_json()["items"][0]["attempts"] == 2
        receiver.fail_positions = set()
        r = client.post(f"/api/v1/supervision/endpoints/{endpoint['id']}/replay", json={}, headers=world.admin)
        assert r.get_json() == {"replayed": 1}
        _at(start + timedelta(minutes=4))
        _push(app)
        assert [p for p, *_ in receiver.received] == [feed[n]["position"] for n in (0, 4, 1, 2, 3)]
    finally:
        app.config["SUPERVISION_PUSH_MAX_ATTEMPTS"] = 8


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/feed", "http://localhost/feed", "http://10.1.2.3/x",
                                 "http://169.254.169.254/latest/meta-data", "http://[::1]/feed", "ftp://example.com/"])
def test_receivers_inside_the_network_are_refused(client, world, url):
    r = client.post("/api/v1/supervision/endpoints", json={"url": url, "secret": SECRET}, headers=world.admin)
    assert r.status_code == 422, r.get_json()


def test_endpoints_are_admin_only_and_secrets_stay_sealed(app, client, world, regulator, private_allowed):
    endpoint = _endpoint(client, world.admin, "http://127.0.0.1:9/feed", description="provincial platform")
    for headers in (regulator, world.reviewer):
        assert client.get("/api/v1/supervision/endpoints", headers=headers).status_code == 403
    listed = client.get("/api/v1/supervision/endpoints", headers=world.admin).get_json()["items"]
    assert [e["id"] for e in listed] == [endpoint["id"]] and SECRET not in str(listed)
    from compliance.models import PushEndpoint
    from core.extensions import db

    with app.app_context():
        assert SECRET.encode() not in db.session.get(PushEndpoint, endpoint["id"]).secret_sealed
    r = client.patch(f"/api/v1/supervision/endpoints/{endpoint['id']}", json={"active": False}, headers=world.admin)
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert client.delete(f"/api/v1/supervision/endpoints/{endpoint['id']}", headers=world.admin).status_code == 204
    assert client.get(f"/api/v1/supervision/endpoints/{endpoint['id']}", headers=world.admin).status_code == 404
