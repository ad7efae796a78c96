"""Socket.IO events of the consulting rooms on `/consult` (ConsultNamespace: the clinic's namespace plus these).

Client -> server (each answers through its ack; a bad payload or a refusal also gets an `error` event
{event, code, message}; nothing crashes the connection or touches other clients):
- `join` {consultation_id, last_seq=0} -> ack {ok, consultation, role, last_seq}. Only the patient, the
  doctor and registered guardians may join. The server first puts the connection in the room, then
  sends every stored message with seq > last_seq as `history` events {consultation_id, messages,
  complete} (batches of 500, in seq order, straight to the connection), then live `message`s.
  A live message committed during the join can arrive both live and in `history`, in either order:
  clients keep messages keyed by seq (idempotent merge) and join again with their highest seq after
  any reconnect. Others hear `peer_joined` (first time) or `peer_rejoined` {consultation_id, user_id,
  role}: a rejoining participant restarts the call with a new `offer`.
- `message` {consultation_id, client_id, text | attachment_id} -> ack {ok, seq, duplicate} only after
  the commit; everyone in the room (sender included) gets `message` with its seq. Resending the same
  client_id is safe: stored once, the retry's ack carries the original seq.
- `signal` {consultation_id, to?, type: offer|answer|ice|hangup, payload} relayed (not stored) to the
  other participant(s) only, as `signal` {consultation_id, from, from_role, type, payload}.
- `typing` {consultation_id, typing} -> others get `typing`; `leave` {consultation_id} -> `peer_left`;
  a disconnect sends `peer_left` for every joined consultation.
- `end` {consultation_id, note?, diagnoses?, observations?, condition_changed?} (doctor): as the REST end.
Server pushes to `user:<id>`: `invited`, `consultation_refused`, `consultation_ended`, `invite_expired`
(and the clinic's `queue_update`); to the consultation room: `consultation_started`.
"""
import json
import logging

from flask import current_app, request, session
from marshmallow import ValidationError

from clinic.consult import lifecycle, messages
from clinic.consult.push import consultation_room, participant_room
from clinic.consult.schemas import (ConsultationEvent, ConsultationSchema, EndSchema, JoinEvent, MessageEvent,
                                    SignalEvent, TypingEvent)
from clinic.consult.stripes import stripe_lock
from clinic.realtime.services import ClinicNamespace
from core import payloads
from core.audit import record_access
from core.errors import ApiError, database_unavailable
from core.extensions import db, socketio
from core.transaction import rollback_keeping

log = logging.getLogger(__name__)
NAMESPACE = "/consult"
HISTORY_BATCH = 500
MAX_SIGNAL_BYTES = 64 * 1024


class EndEvent(EndSchema):
    consultation_id = ConsultationEvent().fields["consultation_id"]


def _server():
    # Each create_app gives the shared SocketIO object a new server; use the one of this app.
    return current_app.extensions.get("clinic.socketio_server") or socketio.server


class ConsultEventsMixin:
    """Consulting-room handlers; needs `connection_actor()` from the namespace it is mixed into."""

    def _handle(self, event, schema, work, data):
        try:
            payloads.check(data)  # NUL characters (PostgreSQL cannot store them), absurd nesting
            payload = schema().load(data if isinstance(data, dict) else {})
        except payloads.UnsafePayload as exc:
            return self._fail(event, "invalid_payload", str(exc))
        except ValidationError as exc:
            return self._fail(event, "invalid_payload", "The event payload is invalid.", errors=exc.messages)
        try:
            actor, problem = self.connection_actor()
            if actor is None:
                return self._refuse_dead_token(event, problem)
            result = work(actor, payload)
            db.session.commit()
            return {"ok": True, **result}
        except ApiError as exc:
            rollback_keeping()
            return self._fail(event, exc.code, exc.detail or exc.title)
        except Exception as exc:  # never let one bad event take the connection down
            if database_unavailable(exc):  # the client keeps its message and resends it (same client_id)
                db.session.rollback()
                return self._fail(event, "database_unavailable", "The database is unavailable; retry shortly.")
            log.exception("socket.io event %s failed", event)
            rollback_keeping()
            return self._fail(event, "internal_error", "The server failed to handle the event; it has been logged.")

    def _fail(self, event, code, message, **extra):
        error = {"event": event, "code": code, "message": message, **extra}
        _server().emit("error", error, to=request.sid, namespace=NAMESPACE, ignore_queue=True)
        return {"ok": False, "error": error}

    def _refuse_dead_token(self, event, problem):
        """The token expired or was revoked since connect: say so, then end the connection (it may not act)."""
        answer = self._fail(event, problem, "The session's token has expired or was revoked; sign in again.")
        _server().disconnect(request.sid, namespace=NAMESPACE)
        return answer

    def _joined(self, consultation_id):
        joined = (session.get("consult_joined") or {}).get(consultation_id)
        if joined is None:
            raise ApiError(409, "not_joined", "Join the consultation first.")
        return joined

    # -- events ---------------------------------------------------------------------------------------
    def on_join(self, data=None):
        """Enter a consultation, get the messages after `last_seq`, then live ones."""
        return self._handle("join", JoinEvent, self._join, data)

    def _join(self, actor, data):
        consultation, role, rejoined = lifecycle.join_consultation(actor, data["consultation_id"])
        cid = consultation.id
        peers = [p["user_id"] for p in lifecycle.participants_of(consultation) if p["user_id"] != actor.user_id]
        answer = ConsultationSchema().dump(lifecycle.consultation_to_dict(consultation))
        db.session.commit()
        server = _server()
        server.enter_room(request.sid, consultation_room(cid), namespace=NAMESPACE)
        server.enter_room(request.sid, participant_room(cid, actor.user_id), namespace=NAMESPACE)
        session.setdefault("consult_joined", {})[cid] = {"role": role, "peers": peers}
        # After entering the room: a message committed from now on arrives live, one before is in history.
        after, sent = data["last_seq"], 0
        while True:
            batch = messages.messages_after(cid, after, HISTORY_BATCH)
            complete = len(batch) < HISTORY_BATCH
            server.emit("history", {"consultation_id": cid, "messages": [messages.message_to_dict(m) for m in batch],
                                    "complete": complete}, to=request.sid, namespace=NAMESPACE, ignore_queue=True)
            sent += len(batch)
            if complete:
                break
            after = batch[-1].seq
        record_access(actor, "read", f"Consultation/{cid}/messages", f"Patient/{consultation.patient_id}",
                      detail={"after": data["last_seq"], "returned": sent})
        server.emit("peer_rejoined" if rejoined else "peer_joined",
                    {"consultation_id": cid, "user_id": actor.user_id, "role": role},
                    to=consultation_room(cid), skip_sid=request.sid, namespace=NAMESPACE)
        return {"consultation": answer, "role": role, "last_seq": answer["last_seq"]}

    def on_message(self, data=None):
        """Store a chat message; the ack {seq} comes after the commit."""
        return self._handle("message", MessageEvent, self._message, data)

    def _message(self, actor, data):
        cid = data["consultation_id"]
        joined = self._joined(cid)
        # Commit and its `message` push under one lock, so this process emits a consultation's messages in seq order.
        with stripe_lock(cid):
            seq, duplicate = messages.post_message(actor, cid, joined["role"], data["client_id"],
                                                   data.get("text"), data.get("attachment_id"))
            if duplicate:
                db.session.rollback()  # undo the counter bump: no gap in the sequence
            else:
                db.session.commit()
        return {"seq": seq, "duplicate": duplicate}

    def on_signal(self, data=None):
        """Relay WebRTC signalling to the other participant(s) only; nothing is stored."""
        return self._handle("signal", SignalEvent, self._signal, data)

    def _signal(self, actor, data):
        cid = data["consultation_id"]
        joined = self._joined(cid)
        if data.get("to") is not None and data["to"] not in joined["peers"]:
            raise ApiError(404, "unknown_peer", "`to` is not a participant of this consultation.")
        if len(json.dumps(data["payload"], default=str)) > MAX_SIGNAL_BYTES:
            raise ApiError(413, "payload_too_large", f"Signalling payloads are limited to {MAX_SIGNAL_BYTES} bytes.")
        targets = [data["to"]] if data.get("to") else joined["peers"]
        relayed = {"consultation_id": cid, "from": actor.user_id, "from_role": joined["role"], "type": data["type"],
                   "payload": data["payload"]}
        for target in targets:
            _server().emit("signal", relayed, to=participant_room(cid, target), namespace=NAMESPACE)
        return {"delivered_to": targets}

    def on_typing(self, data=None):
        """Tell the others that this participant is (not) typing."""
        return self._handle("typing", TypingEvent, self._typing, data)

    def _typing(self, actor, data):
        cid = data["consultation_id"]
        self._joined(cid)
        _server().emit("typing", {"consultation_id": cid, "user_id": actor.user_id, "typing": data["typing"]},
                       to=consultation_room(cid), skip_sid=request.sid, namespace=NAMESPACE)
        return {}

    def on_leave(self, data=None):
        """Leave a consultation's room (the others hear `peer_left`)."""
        return self._handle("leave", ConsultationEvent, self._leave, data)

    def _leave(self, actor, data):
        cid = data["consultation_id"]
        joined = self._joined(cid)
        _left(request.sid, cid, actor.user_id if actor else session.get("user_id"), joined["role"])
        session["consult_joined"].pop(cid, None)
        return {}

    def on_end(self, data=None):
        """The doctor ends the consultation (same body and effects as POST .../end)."""
        return self._handle("end", EndEvent, self._end, data)

    def _end(self, actor, data):
        cid = data.pop("consultation_id")
        consultation = lifecycle.end_consultation(actor, cid, data)
        return {"consultation": ConsultationSchema().dump(lifecycle.consultation_to_dict(consultation))}

    def trigger_event(self, event, *args):
        """Dispatch as usual; on disconnect first tell the peers of every joined consultation. An event we
        have no handler for, and a client's own `connect` / `disconnect` event (python-socketio would hand
        those to on_connect / on_disconnect), get an `unknown_event` error."""
        if not self._handles(event, args):
            return self.socketio._handle_event(self._unknown_event, str(event)[:64], self.namespace, *args)
        if event == "disconnect":
            self.socketio._handle_event(self._disconnected, event, self.namespace, *args)
        return super().trigger_event(event, *args)

    def _handles(self, event, args):
        if not isinstance(event, str) or not event.isidentifier() or not hasattr(self, f"on_{event}"):
            return False
        sid = args[0] if args else None
        if event == "connect":  # the server's own connect passes the environ it keeps for the connection
            return len(args) > 1 and args[1] is self.server.get_environ(sid, namespace=self.namespace)
        if event == "disconnect":  # the server's own disconnect comes once the connection is on its way out
            return not self.server.manager.is_connected(sid, self.namespace)
        return True

    def _unknown_event(self, *args):
        return self._fail(request.event["message"], "unknown_event", "There is no such event on this namespace.")

    def _disconnected(self, *args):
        for cid, joined in list((session.get("consult_joined") or {}).items()):
            try:
                _left(request.sid, cid, session.get("user_id"), joined["role"])
            except Exception:  # presence is best effort
                log.exception("peer_left for %s failed", cid)


def _left(sid, consultation_id, user_id, role):
    server = _server()
    server.leave_room(sid, consultation_room(consultation_id), namespace=NAMESPACE)
    server.leave_room(sid, participant_room(consultation_id, user_id), namespace=NAMESPACE)
    server.emit("peer_left", {"consultation_id": consultation_id, "user_id": user_id, "role": role},
                to=consultation_room(consultation_id), namespace=NAMESPACE)


class ConsultNamespace(ConsultEventsMixin, ClinicNamespace):
    """`/consult`: the clinic's authenticated namespace with the consulting rooms' events."""
