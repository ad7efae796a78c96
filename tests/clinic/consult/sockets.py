"""A recording python-socketio client for the /consult namespace (real client, real server)."""
import threading
import time

import socketio

NS = "/consult"


def _deliver_in_arrival_order(client):
    """python-engineio's client hands each incoming message to a thread of its own (`run_async=True`), so two
    pushes sent in order can reach the handlers swapped (seen in CI: seq 14 recorded before 13). The tests
    assert the order the server sent, so this client handles messages in its reading thread, one after the
    other (the handlers only record: they never wait on the connection)."""
    trigger = client.eio._trigger_event

    def in_order(event, *args, run_async=False, **kwargs):
        return trigger(event, *args, run_async=run_async and event != "message", **kwargs)

    client.eio._trigger_event = in_order


class Recorder:
    """A socketio.Client that records every /consult event it receives."""

    def __init__(self, url, token, transports=("websocket",)):
        self.url, self.token, self.transports = url, token, list(transports)
        self.events = []
        self.cond = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record, namespace=NS)
        _deliver_in_arrival_order(self.client)

    def _record(self, event, data=None):
        with self.cond:
            self.events.append((event, data))
            self.cond.notify_all()

    def connect(self):
        self.client.connect(self.url, auth={"token": self.token}, namespaces=[NS], transports=self.transports,
                            wait_timeout=10)
        return self

    def call(self, event, data, timeout=10):
        return self.client.call(event, data, namespace=NS, timeout=timeout)

    def emit(self, event, data):
        self.client.emit(event, data, namespace=NS)

    def disconnect(self, wait=False):
        """Disconnect; by default without waiting for the websocket close handshake (websocket-client
        waits up to 3 s for the server's close frame, which the werkzeug test server is slow to send)."""
        if self.client.connected:
            closing = threading.Thread(target=self.client.disconnect, daemon=True)
            closing.start()
            closing.join(10 if wait else 0.2)

    def of(self, name):
        with self.cond:
            return [data for event, data in self.events if event == name]

    def wait_for(self, predicate, timeout=10):
        """Wait until predicate(self) is truthy; return its value (AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate(self)
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; events so far: {[e for e, _ in self.events]}")
                self.cond.wait(left)

    def messages(self):
        """Every message seen (history batches and live), merged by seq."""
        seen = {}
        for event, data in list(self.events):
            if event == "message":
                seen[data["seq"]] = data
            elif event == "history":
                seen.update({m["seq"]: m for m in data["messages"]})
        return [seen[s] for s in sorted(seen)]
