"""Socket.IO namespace `/consult` and pushes that wait for the commit.

Clients connect with `auth={"token": <bearer token>}`; an invalid, expired or revoked token is
refused. The connection keeps the Actor it authenticated as (no user lookup per event) and every
event re-checks the token cheaply (core.auth.token_session_problem: expiry by the clock, revocation
by a watch refreshed once a second): a token that expires or is revoked (logout) while the
connection is open gets an `error` {code: token_expired | token_revoked} and is disconnected. A
connection that sends nothing is closed the same way within about TOKEN_REVOCATION_POLL_SECONDS by
the process's token watch (clinic.realtime.token_watch), so it stops hearing its rooms' pushes too.
Every connection joins `user:<user_id>`, the room all personal pushes go to
(`queue_update`, `notification`). Later features (consultation rooms) add `on_<event>` handlers
by subclassing `ClinicNamespace` or registering their own handlers on the same namespace.

Pushes are queued with `emit_after_commit`: a client never hears of a change that was rolled back,
and the payload is computed inside the transaction, so it matches what was committed.
"""
import logging

from flask import current_app, has_app_context, request, session
from flask_socketio import Namespace, join_room
from sqlalchemy import event
from sqlalchemy.orm import Session

from clinic.realtime.metrics import SOCKETIO_CONNECTIONS
from clinic.realtime.token_watch import TokenWatch
from core.auth import open_token_session, token_session_problem
from core.extensions import db, socketio

log = logging.getLogger(__name__)
NAMESPACE = "/consult"
_PENDING = "clinic_after_commit"


def user_room(user_id):
    """The room every connection of `user_id` joins."""
    return f"user:{user_id}"


class ClinicNamespace(Namespace):
    """The `/consult` namespace: authenticated connections in per-user rooms (the consulting rooms add
    their events in a subclass, clinic.consult.socket_events.ConsultNamespace)."""

    def on_connect(self, auth=None):
        """Authenticate with the bearer token from the `auth` payload and join the user's room."""
        token = auth.get("token") if isinstance(auth, dict) else None
        token_session = open_token_session(token) if isinstance(token, str) else None
        if token_session is None or token_session_problem(token_session):
            raise ConnectionRefusedError("unauthorized")
        session["token_session"] = token_session
        session["user_id"] = token_session.actor.user_id
        join_room(user_room(token_session.actor.user_id))
        current_app.extensions["clinic.realtime.token_watch"].add(request.sid, token_session)
        SOCKETIO_CONNECTIONS.inc()
        return True

    def on_disconnect(self, *args):
        """Stop watching the connection's token (rooms are left automatically)."""
        current_app.extensions["clinic.realtime.token_watch"].discard(request.sid)
        SOCKETIO_CONNECTIONS.dec()  # called only for connections on_connect accepted

    def connection_actor(self):
        """The Actor of the connection handling the current event; (None, problem code) once its token is dead."""
        token_session = session.get("token_session")
        problem = token_session_problem(token_session) if token_session else "unauthorized"
        return (None, problem) if problem else (token_session.actor, None)


def emit_after_commit(event_name, payload, room):
    """Emit `event_name` to `room` on /consult once the current transaction commits."""
    db.session.info.setdefault(_PENDING, []).append((event_name, payload, room))


def _flush_emits(session_):
    for event_name, payload, room in session_.info.pop(_PENDING, []):
        try:
            server = current_app.extensions.get("clinic.socketio_server") if has_app_context() else None
            (server or socketio).emit(event_name, payload, to=room, namespace=NAMESPACE)
        except Exception:  # a push is best effort: the data is committed and can be fetched
            log.exception("socket.io emit of %s failed", event_name)


def _drop_emits(session_, previous_transaction):
    if not previous_transaction.nested:
        session_.info.pop(_PENDING, None)


def init_app(app, namespace_class=ClinicNamespace):
    """Register the namespace (`namespace_class`, a ClinicNamespace) and the commit hooks (once per process)."""
    if not event.contains(Session, "after_commit", _flush_emits):
        event.listen(Session, "after_commit", _flush_emits)
        event.listen(Session, "after_soft_rollback", _drop_emits)
    socketio.on_namespace(namespace_class(NAMESPACE))
    # Each create_app gives the shared SocketIO object a new server; pushes use this app's own.
    app.extensions["clinic.socketio_server"] = socketio.server
    # Closes this process's connections whose token died; its task starts with the first connection.
    app.extensions["clinic.realtime.token_watch"] = TokenWatch(app, socketio.server, NAMESPACE)
