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
    queue_link.set_queue_link(fake)
    yield fake
    queue_link.set_queue_link(None)


@pytest.fixture(autouse=True)
def _session_socketio(request):
    """Flask-SocketIO keeps one server per SocketIO object; another create_app (make_app) replaces it.
    Point it back at the session app's server so live-server tests dispatch their events."""
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        socketio.server = app.extensions["clinic.socketio_server"]
    yield
