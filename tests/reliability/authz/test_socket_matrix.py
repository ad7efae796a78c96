"""The /consult Socket.IO namespace in the matrix: only A and A's doctor may join A's consultation; a
stranger's join, message, signal and typing are refused with an error event and no history arrives;
anonymous connections are refused."""
import pytest

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


# Tokens revoked or expired while connected: tests/clinic/consult/test_token_checks.py.
