"""Socket.IO `/consult` over the live server with the real python-socketio client."""
import queue as queues
from datetime import timedelta

import pytest
import requests
import socketio

from core import clock
from core.extensions import db
from tests.clinic.conftest import book

pytestmark = pytest.mark.live


def _connect(url, token, events=("queue_update", "notification")):
    inbox = queues.Queue()
    client = socketio.Client(reconnection=False)
    for name in events:
        client.on(name, lambda data, name=name: inbox.put((name, data)), namespace="/consult")
    client.connect(url, namespaces=["/consult"], auth={"token": token}, wait_timeout=10, transports=["websocket"])
    return client, inbox


def _token(headers):
    return headers["Authorization"].split(" ", 1)[1]


def test_a_bad_or_missing_token_is_refused(live_server, session_socketio):
    for auth in ({"token": "not-a-token"}, {}):
        client = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(live_server.url, namespaces=["/consult"], auth=auth, wait_timeout=5, transports=["websocket"])
        client.disconnect()


def test_queue_updates_reach_the_waiting_patients(live_server, session_socketio, client, accounts, world):
    inst = world.institution()
    doctor_id, doctor = world.doctor([inst])
    start = clock.now() + timedelta(minutes=30)
    slot_a = world.slot(doctor_id, inst, start, capacity=2)
    (_, first), (_, second) = accounts.patient(), accounts.patient()
    appt_a = book(client, first, slot_a).get_json()["id"]
    appt_b = book(client, second, slot_a).get_json()["id"]
    sock_a, inbox_a = _connect(live_server.url, _token(first))
    sock_b, inbox_b = _connect(live_server.url, _token(second))
    try:
        assert requests.post(f"{live_server.url}/api/v1/appointments/{appt_a}/check-in", headers=first,
                             timeout=10).status_code == 200
        assert inbox_a.get(timeout=10) == ("queue_update", {"appointment_id": appt_a, "position": 1, "queue_number": 1,
                                                            "estimated_wait_minutes": 0})
        requests.post(f"{live_server.url}/api/v1/appointments/{appt_b}/check-in", headers=second, timeout=10)
        name, update = inbox_b.get(timeout=10)
        assert (name, update["position"], update["estimated_wait_minutes"]) == ("queue_update", 2, 15)
        inbox_a.get(timeout=10)  # A hears the queue changed too
        # The doctor calls A in: B moves up, and nobody hears of anyone else's appointment.
        requests.post(f"{live_server.url}/api/v1/appointments/{appt_a}/call", headers=doctor, timeout=10)
        name, update = inbox_b.get(timeout=10)
        assert (update["appointment_id"], update["position"], update["queue_number"]) == (appt_b, 1, 2)
        assert inbox_a.get(timeout=10)[1]["position"] == 0
        assert inbox_a.empty() and inbox_b.empty()
    finally:
        sock_a.disconnect()
        sock_b.disconnect()


def test_a_notification_whose_data_holds_times_is_pushed_as_json(app, live_server, session_socketio, accounts, client):
    from datetime import datetime, timezone

    from clinic.notifications.services import notify_user

    account, headers = accounts.patient()
    sock, inbox = _connect(live_server.url, _token(headers))
    deadline = datetime(2026, 3, 2, 8, 15, tzinfo=timezone.utc)
    try:
        with app.app_context():
            notify_user(account["id"], "order.offered", "Offered", data={"offer_deadline": deadline, "round": 1})
            db.session.commit()
        name, pushed = inbox.get(timeout=10)
        assert name == "notification" and pushed["data"] == {"offer_deadline": "2026-03-02T08:15:00+00:00", "round": 1}
        stored = client.get("/api/v1/notifications", headers=headers).get_json()["items"]
        stored = stored["items"] if isinstance(stored, dict) else stored
        assert stored[0]["data"] == pushed["data"]
    finally:
        sock.disconnect()


def test_notifications_are_pushed_after_the_commit(app, live_server, session_socketio, accounts):
    from clinic.notifications.services import notify_user

    account, headers = accounts.patient()
    sock, inbox = _connect(live_server.url, _token(headers))
    try:
        with app.app_context():
            notify_user(account["id"], "test", "Rolled back")
            db.session.rollback()  # never heard of
            notify_user(account["id"], "test", "Hello")
            db.session.commit()
        name, data = inbox.get(timeout=10)
        assert (name, data["title"]) == ("notification", "Hello")
        assert inbox.empty()
    finally:
        sock.disconnect()
