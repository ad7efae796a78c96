"""A TCP proxy on a loopback port that a test can cut and restore: the server under test talks to
PostgreSQL or Redis through it, so "the database is unreachable" is one call, with no other helper's
database or Redis touched."""
import socket
import threading


class CuttableProxy:
    """Forward 127.0.0.1:`port` to `target` (host, port). `cut()` drops every open connection and refuses
    new ones (a dead host); `freeze()` accepts and reads but never answers (a partition that drops
    packets: the peer waits); `restore()` serves again."""

    def __init__(self, target):
        self.target = target
        self._lock = threading.Lock()
        self._open = set()
        self._listener = None
        self._frozen = False
        self.port = self._listen(0)

    def _listen(self, port):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return listener.getsockname()[1]

    def url(self, scheme_and_auth, path=""):
        """e.g. url("postgresql+psycopg://postgres@", "/h_faults")."""
        return f"{scheme_and_auth}127.0.0.1:{self.port}{path}"

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed by cut()
            if self._frozen:
                with self._lock:
                    self._open.add(client)  # held open, never answered
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                if not self._frozen:
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                self._close(sock)

    def _close(self, sock):
        with self._lock:
            self._open.discard(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def cut(self):
        """Refuse new connections and reset the open ones."""
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept() (Linux)
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            victims = list(self._open)
        for sock in victims:
            self._close(sock)

    def freeze(self):
        """Swallow everything from now on, answering nothing."""
        self._frozen = True

    def restore(self):
        """Serve again on the same port (connections open during a freeze are dropped: they lost data)."""
        if self._frozen:
            self._frozen = False
            self.cut()
        self._listen(self.port)

    def close(self):
        self.cut()
