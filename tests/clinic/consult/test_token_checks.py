"""An open /consult connection stops acting once its token is revoked (logout) or expires, without a token
lookup per event: expiry is compared with the clock, revocations come from a watch refreshed once a second."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clinic.consult.models import ConsultMessage
from core import clock, revocations
from core.auth import _digest
from core.extensions import db
from tests.clinic.consult.helpers import NS, join, say, start_consultation
from tests.clinic.consult.sockets import Recorder


def _stored(app, cid):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ConsultMessage)
                                 .where(ConsultMessage.consultation_id == cid))


def test_a_logout_stops_an_open_connection_at_its_next_event(app, accounts, client, queue, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_POLL_SECONDS", 0)  # refresh the watch on every check
    _, patient, _, consultation = start_consultation(app, accounts, client, queue)
    cid = consultation["id"]
    tc, ack = join(app, patient, cid)
    assert ack["ok"] and say(tc, cid, "before")["seq"] == 1
    assert client.post("/api/v1/auth/logout", headers=patient.headers).status_code == 204
    ack = say(tc, cid, "after")
    assert ack["ok"] is False and ack["error"]["code"] == "token_revoked"
    assert not tc.is_connected(NS)  # the server ended the connection
    assert _stored(app, cid) == 1


def test_a_token_that_expires_while_connected_stops_acting(app, accounts, client, queue):
    _, patient, _, consultation = start_consultation(app, accounts, client, queue)
    cid = consultation["id"]
    tc, ack = join(app, patient, cid)
    assert say(tc, cid, "in time")["ok"]
    later = clock.now() + timedelta(seconds=app.config["TOKEN_TTL_SECONDS"] + 1)
    clock.set_clock(lambda: later)
    ack = say(tc, cid, "too late")
    assert ack["ok"] is False and ack["error"]["code"] == "token_expired"
    assert not tc.is_connected(NS)
    assert _stored(app, cid) == 1


def test_the_revocation_watch_asks_the_database_at_most_once_per_interval(app, accounts, client):
    account, headers = accounts.patient()
    digest = _digest(headers["Authorization"].split(" ", 1)[1])
    watch = revocations.RevocationWatch()
    with app.app_context():
        assert watch.is_revoked(digest, interval=3600) is False  # first look: reads the database
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    with app.app_context():
        assert watch.is_revoked(digest, interval=3600) is False  # within the interval: the known set
        assert watch.is_revoked(digest, interval=0) is True  # interval over: refreshed, revoked
        assert revocations.RevocationWatch().is_revoked(digest, interval=3600) is True  # a fresh process knows


@pytest.mark.live
def test_a_live_connection_is_told_and_closed_after_a_logout(app, accounts, client, queue, live_server, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_POLL_SECONDS", 0)
    _, patient, _, consultation = start_consultation(app, accounts, client, queue)
    cid = consultation["id"]
    recorder = Recorder(live_server.url, patient.token).connect()
    try:
        assert recorder.call("join", {"consultation_id": cid})["ok"]
        assert client.post("/api/v1/auth/logout", headers=patient.headers).status_code == 204
        recorder.emit("message", {"consultation_id": cid, "client_id": "late", "text": "after logout"})
        recorder.wait_for(lambda r: [e for e in r.of("error") if e["code"] == "token_revoked"])
        recorder.wait_for(lambda r: NS not in r.client.namespaces)  # the server closed the namespace
        assert _stored(app, cid) == 0
    finally:
        recorder.disconnect()
