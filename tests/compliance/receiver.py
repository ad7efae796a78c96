"""A real HTTP receiver of the pushed feed, in a thread: it checks each signature and records what came, and can
go down (its port closed) and come back on the same port."""
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, secret):
        self.secret = secret.encode()
        self.received = []  # (position, trace_id, kind, signature valid)
        self.fail_positions = set()  # answered 500
        self.port = 0
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/feed"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                position = int(self.headers["X-Supervision-Position"])
                if position in receiver.fail_positions:
                    self.send_response(500)
                    self.end_headers()
                    return
                expected = "sha256=" + hmac.new(receiver.secret, self.headers["X-Supervision-Timestamp"].encode()
                                                + b"." + body, hashlib.sha256).hexdigest()
                entry = json.loads(body)
                receiver.received.append((position, entry["trace_id"], entry["kind"],
                                          hmac.compare_digest(expected, self.headers["X-Supervision-Signature"])))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def up(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def down(self):
        self.server.shutdown()
        self.server.server_close()
