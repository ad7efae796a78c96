"""An open /consult connection stops acting once its token is revoked (logout) or expires, without a token
lookup per event: expiry is compared with the clock, revocations come from a watch refreshed once a second.
Checked at its next event, and, for a connection that sends nothing, by the process's token watch
(clinic.realtime.token_watch), which closes it within about TOKEN_REVOCATION_POLL_SECONDS. The same across server
processes: tests/clinic/consult/test_processes.py."""
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from clinic.consult.models import ConsultMessage
from core import clock, revocations
from core.auth import TokenSession, _digest
from core.extensions import db
from tests.clinic.consult.helpers import NS, join, say, socket_for, start_consultation
from tests.clinic.consult.sockets import Recorder


def _stored(app, cid):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ConsultMessage)
                                 .where(ConsultMessage.consultation_id == cid))


@pytest.fixture()
def watch_paused(app, monkeypatch):
    """The token watch sweeps nothing: the check at the next event is tested alone."""
    monkeypatch.setattr(app.extensions["clinic.realtime.token_watch"], "sweep", lambda: 0)


def test_a_logout_stops_an_open_connection_at_its_next_event(app, accounts, client, queue, monkeypatch, watch_paused):
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


def test_a_token_that_expires_while_connected_stops_acting(app, accounts, client, queue, watch_paused):
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
def test_a_live_connection_is_told_and_closed_after_a_logout(app, accounts, client, queue, live_server, monkeypatch,
                                                             watch_paused):
    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_POLL_SECONDS", 0)
    _, patient, _, consultation = start_consultation(app, accounts, client, queue)
    cid = consultation["id"]
    recorder = Recorder(live_server.url, patient.token).connect()
    try:
        assert recorder.call("join", {"consultation_id": cid})["ok"]
        assert client.post("/api/v1/auth/logout", headers=patient.headers).status_code == 204
        recorder.emit("message", {"consultation_id": cid, "client_id": "late", "text": "after logout"})
        assert _closed(recorder, "token_revoked")["event"] == "message"  # the server closed the namespace
        assert _stored(app, cid) == 0
    finally:
        recorder.disconnect()


def _closed(recorder, code):
    """Wait until the server sent `error` {code} and closed the namespace; returns the error."""
    error = recorder.wait_for(lambda r: [e for e in r.of("error") if e["code"] == code], timeout=8)[0]
    deadline = time.monotonic() + 5
    while NS in recorder.client.namespaces:  # polled: a closed namespace records no event to wait for
        assert time.monotonic() < deadline, "the server did not close the namespace"
        time.sleep(0.02)
    return error


@pytest.mark.live
def test_a_silent_connection_is_closed_soon_after_a_logout_and_hears_no_more(app, accounts, client, queue,
                                                                            live_server, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_POLL_SECONDS", 0.5)
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    cid = consultation["id"]
    p = Recorder(live_server.url, patient.token).connect()
    d = Recorder(live_server.url, doctor.token).connect()
    try:
        assert p.call("join", {"consultation_id": cid})["ok"] and d.call("join", {"consultation_id": cid})["ok"]
        assert d.call("message", {"consultation_id": cid, "client_id": "d1", "text": "hello"})["seq"] == 1
        p.wait_for(lambda r: [m for m in r.messages() if m["seq"] == 1])
        revoked = time.monotonic()
        # Another client (same token) logs out; the patient's socket sends nothing.
        assert client.post("/api/v1/auth/logout", headers=patient.headers).status_code == 204
        error = _closed(p, "token_revoked")
        assert time.monotonic() - revoked < 0.5 + 1.5
        assert error["event"] is None
        assert d.wait_for(lambda r: r.of("peer_left"))[0]["user_id"] == patient.user_id
        assert d.call("message", {"consultation_id": cid, "client_id": "d2", "text": "still there?"})["seq"] == 2
        d.wait_for(lambda r: [m for m in r.of("message") if m["seq"] == 2])
        time.sleep(0.3)
        assert [m["seq"] for m in p.messages()] == [1]  # the doctor's next message did not reach it
        assert d.client.connected and NS in d.client.namespaces  # the doctor's token is still good
    finally:
        p.disconnect()
        d.disconnect()


@pytest.mark.live
def test_deactivating_a_doctor_closes_their_open_connection(app, accounts, client, queue, live_server, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_POLL_SECONDS", 0.5)
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    _, admin = accounts.admin()
    d = Recorder(live_server.url, doctor.token).connect()
    try:
        assert d.call("join", {"consultation_id": consultation["id"]})["ok"]
        r = client.patch(f"/api/v1/admin/users/{doctor.user_id}", json={"is_active": False}, headers=admin)
        assert r.status_code == 200
        assert _closed(d, "token_revoked")["event"] is None
    finally:
        d.disconnect()


@pytest.mark.live
def test_a_silent_connection_is_closed_when_its_token_expires(app, accounts, client, queue, live_server,
                                                              monkeypatch):
    _, patient, _, consultation = start_consultation(app, accounts, client, queue)
    monkeypatch.setitem(app.config, "TOKEN_TTL_SECONDS", 2)
    short = accounts.login(patient.account["phone"], patient.account["password"])["Authorization"].split(" ")[1]
    p = Recorder(live_server.url, short).connect()
    try:
        started = time.monotonic()
        assert p.call("join", {"consultation_id": consultation["id"]})["ok"]
        _closed(p, "token_expired")
        assert 1.0 < time.monotonic() - started < 2 + 1.5
    finally:
        p.disconnect()


def test_one_sweep_of_many_connections_costs_one_query(app, accounts, client, queue, monkeypatch):
    from clinic.realtime.token_watch import TokenWatch

    _, patient, _, _ = start_consultation(app, accounts, client, queue)
    watch = app.extensions["clinic.realtime.token_watch"]
    before = watch.watched()
    clients = [socket_for(app, patient) for _ in range(20)]
    assert all(tc.is_connected(NS) for tc in clients)
    # The same 20 connections in a watch of our own (the process's task may sweep them too, in its thread).
    mine = TokenWatch(app, app.extensions["clinic.socketio_server"], NS)
    mine._sessions.update({sid: watch._sessions[sid] for sid in watch.watched() - before})
    assert len(mine.watched()) == 20
    me, statements = threading.get_ident(), []

    def count(conn, cursor, statement, *args):
        if "access_tokens" in statement and threading.get_ident() == me:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_POLL_SECONDS", 0)  # every sweep refreshes the revoked set
    assert client.post("/api/v1/auth/logout", headers=patient.headers).status_code == 204
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert mine.sweep() == 20
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert not any(tc.is_connected(NS) for tc in clients)
    errors = [e["args"][0] for e in clients[0].queue if e["namespace"] == NS and e["name"] == "error"]
    assert errors and errors[-1]["code"] == "token_revoked"


def test_the_watch_task_starts_with_a_connection_and_stops_cleanly(app):
    from clinic.realtime.token_watch import TokenWatch

    watch = TokenWatch(app, app.extensions["clinic.socketio_server"], NS)
    far = TokenSession(actor=None, token_hash="0" * 64, expires_at=clock.now() + timedelta(hours=1))
    watch.add("sid-1", far)
    task = watch._task
    assert task is not None and task.is_alive()
    watch.stop()
    assert not task.is_alive()
    watch.add("sid-2", far)  # a stopped watch starts no task
    assert watch._task is None
