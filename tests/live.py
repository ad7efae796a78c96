"""A real HTTP (and Socket.IO) server on a loopback port, in a thread of the test process, for tests that
need real clients: concurrency, fhirpy/fhirclient, schemathesis, python-socketio."""
import threading

from werkzeug.serving import make_server


class LiveServer:
    """Serve `app` on a free loopback port in a daemon thread; `url` is its root."""

    def __init__(self, app, host="127.0.0.1"):
        self.server = make_server(host, 0, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        """Start serving; returns self."""
        self.thread.start()
        return self

    def stop(self):
        """Stop serving and wait for the thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
