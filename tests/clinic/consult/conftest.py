"""Fixtures of the consulting-room tests: a fake clinic queue and the shared Socket.IO server."""
import logging

import pytest

from clinic.consult import queue_link
from core.extensions import socketio
from tests.clinic.consult.fakes import FakeQueue

# The werkzeug test server reads a websocket client's close frame as a new HTTP request and logs a 400
# for it after the socket is done (simple-websocket on the development server); not an error of ours.
logging.getLogger("werkzeug").setLevel(logging.CRITICAL)


@pytest.fixture()
def queue():
    """A fake clinic queue installed behind clinic.consult.queue_link."""
    fake = FakeQueue()
    previous = queue_link.installed()
    queue_link.set_queue_link(fake)
    yield fake
    queue_link.set_queue_link(previous)


@pytest.fixture(autouse=True)
def _session_socketio(request):
    """Keep the session app's Socket.IO server fit for real clients.

    Flask-SocketIO keeps one server per SocketIO object and another create_app (make_app) replaces it:
    point it back at the session app's. Its in-process test client patches the server's packet
    senders (and makes handlers synchronous) for good: undo that after each test, so a live-server
    test that follows gets its packets."""
    server = None
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        server = socketio.server = app.extensions["clinic.socketio_server"]
    yield
    if server is not None:
        for name in ("_send_packet", "_send_eio_packet"):
            server.__dict__.pop(name, None)
        server.async_handlers = server.eio.async_handlers = True
