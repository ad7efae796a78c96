"""The clinic's metrics on /metrics: appointments booked (committed ones only) and open Socket.IO connections."""
from datetime import timedelta

from core import clock
from core.extensions import socketio
from tests.clinic.conftest import book
from tests.metrics import scrape, value

BOOKED = "cloud_hospital_bookings_total"
CONNECTIONS = "cloud_hospital_socketio_connections"


def test_a_booking_counts_once_and_a_refused_one_not_at_all(client, accounts, world):
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, clock.now().replace(microsecond=0) + timedelta(days=2))
    _, first = accounts.patient()
    _, second = accounts.patient()
    before = value(scrape(client), BOOKED, kind="in_person", channel="app")
    assert book(client, first, slot_id).status_code == 201
    assert book(client, second, slot_id).status_code == 409  # full: rolled back, not a booking
    assert value(scrape(client), BOOKED, kind="in_person", channel="app") == before + 1


def test_open_socketio_connections_go_up_and_down(app, client, accounts, session_socketio):
    _, headers = accounts.patient()
    token = headers["Authorization"].split(" ", 1)[1]
    before = value(scrape(client), CONNECTIONS)
    first = socketio.test_client(app, namespace="/consult", auth={"token": token})
    second = socketio.test_client(app, namespace="/consult", auth={"token": token})
    refused = socketio.test_client(app, namespace="/consult", auth={"token": "not-a-token"})
    try:
        assert first.is_connected("/consult") and not refused.is_connected("/consult")
        assert value(scrape(client), CONNECTIONS) == before + 2
        first.disconnect(namespace="/consult")
        assert value(scrape(client), CONNECTIONS) == before + 1
    finally:
        for tc in (first, second):
            if tc.is_connected("/consult"):
                tc.disconnect(namespace="/consult")
    assert value(scrape(client), CONNECTIONS) == before
