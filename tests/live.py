"""A real HTTP (and Socket.IO) server on a loopback port, in a thread of the test process, for tests that
need real clients: concurrency, fhirpy/fhirclient, schemathesis, python-socketio."""
import threading

from werkzeug.serving import make_server


class LiveServer:
    """Serve `app` on 127.0.0.1 with one thread per request until stop()."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
