"""Fixtures of the consulting-room tests: a fake clinic queue (the Socket.IO repair is in tests/conftest.py)."""
import logging

import pytest

from clinic.consult import queue_link
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
