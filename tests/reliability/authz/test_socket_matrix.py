"""The /consult Socket.IO namespace in the matrix: only A and A's doctor may join A's consultation; a
stranger's join, message, signal and typing are refused with an error event and no history arrives;
anonymous connections are refused; a token revoked or expired while connected stops working."""
from datetime import timedelta

import pytest

from core import clock
from core.extensions import socketio
from tests.clinic.consult.helpers import NS
from tests.reliability.authz.checks import assert_no_stranger_data
from tests.reliability.authz.world import ROLES

PARTICIPANTS = ("pa", "d1")


def _connect(app, world, role, token=None):
    token = token or world.headers[role]["Authorization"].split(" ", 1)[1]
    return socketio.test_client(app, namespace=NS, auth={"token": token})


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anon"])
def test_only_participants_join_a_consultation(app, world, role):
    tc = _connect(app, world, role)
    cid = world.ids["consultation_id"]
    ack = tc.emit("join", {"consultation_id": cid, "last_seq": 0}, namespace=NS, callback=True)
    received = tc.get_received(NS)
    if role in PARTICIPANTS:
        assert ack.get("ok"), ack
        history = [m for e in received if e["name"] == "history" for m in e["args"][0]["messages"]]
        assert len(history) >= 2
    else:
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden", ack
        assert not [e for e in received if e["name"] == "history"]
        for event, payload in (("message", {"client_id": "x", "text": "hello"}),
                               ("signal", {"type": "offer", "payload": {"sdp": "x"}}), ("typing", {"typing": True})):
            refused = tc.emit(event, {"consultation_id": cid, **payload}, namespace=NS, callback=True)
            assert refused["ok"] is False and refused["error"]["code"] == "not_joined", (event, refused)
    assert_no_stranger_data(world, role, str(tc.get_received(NS)), sent=cid)
    tc.disconnect(namespace=NS)


def test_anonymous_and_bad_tokens_cannot_connect(app, world):
    assert not socketio.test_client(app, namespace=NS).is_connected(NS)
    assert not _connect(app, world, "pa", token="not-a-token").is_connected(NS)


def test_a_token_revoked_while_connected_stops_working(app, world, accounts_for_world):
    """Revocation (logout) is checked on every event, not only at connect."""
    headers = accounts_for_world.login(world.markers["pa"][3], "secret123")
    tc = _connect(app, world, "pa", token=headers["Authorization"].split(" ", 1)[1])
    cid = world.ids["consultation_id"]
    assert tc.emit("join", {"consultation_id": cid, "last_seq": 0}, namespace=NS, callback=True)["ok"]
    assert world.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    ack = tc.emit("join", {"consultation_id": cid, "last_seq": 0}, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "unauthorized", ack
    refused = tc.emit("typing", {"consultation_id": cid, "typing": True}, namespace=NS, callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "unauthorized", refused


def test_a_token_that_expires_while_connected_stops_working(app, world):
    tc = _connect(app, world, "pa")
    cid = world.ids["consultation_id"]
    assert tc.emit("join", {"consultation_id": cid, "last_seq": 0}, namespace=NS, callback=True)["ok"]
    later = clock.now() + timedelta(seconds=app.config["TOKEN_TTL_SECONDS"] + 1)
    clock.set_clock(lambda: later)
    try:
        ack = tc.emit("typing", {"consultation_id": cid, "typing": True}, namespace=NS, callback=True)
    finally:
        clock.set_clock(None)
    assert ack["ok"] is False and ack["error"]["code"] == "unauthorized", ack
