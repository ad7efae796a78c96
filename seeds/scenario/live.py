"""The real-time side as an app sees it: a python-socketio client on the `/consult` namespace that keeps
every event it hears, so a step can wait for the one it expects."""
import threading
import time

import socketio

from seeds.scenario.client import StepFailed

NAMESPACE = "/consult"
WAIT_SECONDS = 15


class LiveConnection:
    """One party's Socket.IO connection, authenticated with their bearer token."""

    def __init__(self, api):
        self.api = api
        self.events = []  # (name, payload) in arrival order
        self._arrived = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record, namespace=NAMESPACE)

    def _record(self, event, data=None):
        with self._arrived:
            self.events.append((event, data))
            self._arrived.notify_all()

    def connect(self):
        """Connect to /consult with the token (refused tokens raise StepFailed)."""
        try:
            self.client.connect(self.api.base_url, namespaces=[NAMESPACE], auth={"token": self.api.token},
                                wait_timeout=WAIT_SECONDS)
        except socketio.exceptions.ConnectionError as exc:
            raise StepFailed(f"Socket.IO connection to {NAMESPACE} as {self.api.who} failed: {exc}") from None
        return self

    def wait_for(self, event, match=lambda payload: True, timeout=WAIT_SECONDS):
        """The first `event` whose payload satisfies `match` (waiting up to `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for name, payload in self.events:
                    if name == event and match(payload):
                        return payload
                left = deadline - time.monotonic()
                if left <= 0:
                    heard = ", ".join(name for name, _ in self.events[-10:]) or "nothing"
                    raise StepFailed(f"{self.api.who} heard no `{event}` over Socket.IO within {timeout}s "
                                     f"(last heard: {heard})")
                self._arrived.wait(left)

    def call(self, event, data):
        """Emit with an acknowledgement; return the ack, raising StepFailed unless it says ok."""
        try:
            ack = self.client.call(event, data, namespace=NAMESPACE, timeout=WAIT_SECONDS)
        except socketio.exceptions.TimeoutError:
            raise StepFailed(f"`{event}` from {self.api.who} was not acknowledged within {WAIT_SECONDS}s") from None
        if not isinstance(ack, dict) or not ack.get("ok"):
            error = (ack or {}).get("error") if isinstance(ack, dict) else ack
            raise StepFailed(f"`{event}` from {self.api.who} was refused: {error}", problem=ack)
        return ack

    def close(self):
        """Disconnect (safe to call twice)."""
        if self.client.connected:
            self.client.disconnect()
