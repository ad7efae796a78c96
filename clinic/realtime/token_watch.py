"""Close /consult connections whose token was revoked or expired, without waiting for their next event.

Each process keeps a map sid -> TokenSession (token digest, expiry) of its own /consult connections,
filled at connect and emptied at disconnect. While the map is not empty one background task
(`start_background_task`, started by the first connection, ended by the last one leaving or by `stop`)
sweeps it whenever the process's revocation watch (core.revocations) falls due for its refresh (every
TOKEN_REVOCATION_POLL_SECONDS) or a token reaches its expiry. The refresh is the one indexed query of
the period whatever the number of connections; every process makes its own, so a logout served by any
process reaches the connections held by all of them, with no broadcast. A connection whose token is
dead gets `error` {event: null, code: token_expired | token_revoked} and is disconnected: it leaves its
rooms and hears no further push. The check at each event (clinic.realtime.services.ClinicNamespace.connection_actor)
stays: it covers the moment between a revocation and the next sweep.
"""
import atexit
import logging
import threading

from core import clock, revocations
from core.auth import token_sessions_problems

log = logging.getLogger(__name__)
MIN_WAIT = 0.05  # seconds between two sweeps at the least (tests set TOKEN_REVOCATION_POLL_SECONDS to 0)
SLACK = 0.01  # wake just after the revoked set goes stale, so the sweep refreshes it
MESSAGE = "The session's token has expired or was revoked; sign in again."


class TokenWatch:
    """One process's /consult connections and the task that closes those whose token died."""

    def __init__(self, app, server, namespace):
        self.app, self.server, self.namespace = app, server, namespace
        self._lock = threading.Lock()
        self._sessions = {}  # sid -> TokenSession
        self._task = None
        self._stopping = threading.Event()
        self._exit_hook = False

    def add(self, sid, token_session):
        """Watch a newly authenticated connection; start the sweeping task if it is not running."""
        with self._lock:
            self._sessions[sid] = token_session
            if self._task is None and not self._stopping.is_set():
                if not self._exit_hook:
                    atexit.register(self.stop)
                    self._exit_hook = True
                self._task = self.server.start_background_task(self._run)

    def discard(self, sid):
        """Forget a connection (it disconnected)."""
        with self._lock:
            self._sessions.pop(sid, None)

    def watched(self):
        """The sids being watched (for tests and metrics)."""
        with self._lock:
            return set(self._sessions)

    def stop(self, timeout=5.0):
        """Stop the sweeping task and wait for it; connections are left as they are."""
        self._stopping.set()
        task = self._task
        if task is not None and task is not threading.current_thread():
            task.join(timeout)

    def _run(self):
        while True:
            with self._lock:
                if not self._sessions or self._stopping.is_set():
                    self._task = None  # the next connection starts a new task
                    return
            try:
                if self._stopping.wait(self._next_wait()):
                    continue
                self.sweep()
            except Exception as exc:  # a database outage: try again at the next period
                log.warning("token watch sweep failed: %s", exc)
                self._stopping.wait(max(MIN_WAIT, self.app.config.get("TOKEN_REVOCATION_POLL_SECONDS", 1.0)))

    def _next_wait(self):
        interval = self.app.config.get("TOKEN_REVOCATION_POLL_SECONDS", 1.0)
        with self.app.app_context():
            wait = revocations.due_in(interval) + SLACK
        with self._lock:
            expiries = [s.expires_at for s in self._sessions.values()]
        if expiries:
            wait = min(wait, (min(expiries) - clock.now()).total_seconds() + SLACK)
        return max(MIN_WAIT, wait)

    def sweep(self):
        """Send `error` to and disconnect every watched connection whose token is dead; returns how many."""
        with self._lock:
            sessions = dict(self._sessions)
        if not sessions:
            return 0
        with self.app.app_context():  # one refresh of the revoked set at most, then set look-ups
            dead = token_sessions_problems(sessions)
        for sid, problem in dead.items():
            self._close(sid, problem)
        return len(dead)

    def _close(self, sid, problem):
        self.discard(sid)
        try:
            self.server.emit("error", {"event": None, "code": problem, "message": MESSAGE}, to=sid,
                             namespace=self.namespace, ignore_queue=True)
            self.server.disconnect(sid, namespace=self.namespace, ignore_queue=True)
        except Exception:  # the connection may be going away by itself
            log.exception("closing connection %s (%s) failed", sid, problem)
