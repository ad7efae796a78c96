"""Chat messages: stored with a per-consultation sequence number before they are acknowledged,
de-duplicated by the sender and their client_id, replayed in order after any `seq`.

Sequence numbers: `consultations.last_seq` is bumped with `UPDATE ... RETURNING last_seq`, which takes
the consultation row's lock (PostgreSQL) or the database write lock (SQLite, BEGIN IMMEDIATE) until the
commit, so two senders never get the same number; unique (consultation_id, seq) backs it. The message
is then inserted with ON CONFLICT (consultation_id, sender_user_id, client_id) DO NOTHING: a retry of a
stored message inserts nothing (the other participant's client_ids are theirs: the same id from two
senders is two messages, so nobody can silence another by guessing their ids), and the caller rolls back its counter bump (no gap) and acks the original seq. That is
two statements and the commit per new message, the duplicate check included.
"""
import functools

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from clinic.consult.access import consultation_for
from core.transaction import begin_write
from clinic.consult.metrics import MESSAGES
from clinic.consult.models import Consultation, ConsultAttachment, ConsultMessage
from clinic.consult.push import consultation_room, push
from core import clock, metrics
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db

MAX_PAGE = 500
_FIELDS = ("consultation_id", "seq", "client_id", "sender_user_id", "sender_role", "text", "attachment_id")


def message_to_dict(message):
    """The wire and API view of a message (a ConsultMessage or a dict of its columns)."""
    values = message if isinstance(message, dict) else {f: getattr(message, f) for f in (*_FIELDS, "created_at")}
    return {**{f: values[f] for f in _FIELDS}, "created_at": values["created_at"].isoformat()}


# Core statements built once and given their values at execution: compiled once, then served from
# SQLAlchemy's statement cache (a `.values(...)` with literal values is compiled anew on every call).
_CONSULTATIONS = Consultation.__table__
_BUMP_SEQ = (update(_CONSULTATIONS)
             .where(_CONSULTATIONS.c.id == bindparam("cid"), _CONSULTATIONS.c.status == "active")
             .values(last_seq=_CONSULTATIONS.c.last_seq + 1, last_activity_at=bindparam("now"))
             .returning(_CONSULTATIONS.c.last_seq))


@functools.cache
def _insert_new(dialect):
    """INSERT a message unless the sender's (consultation_id, client_id) is stored already; RETURNING its id."""
    table = ConsultMessage.__table__
    module = postgresql if dialect == "postgresql" else sqlite
    return (module.insert(table)
            .on_conflict_do_nothing(index_elements=["consultation_id", "sender_user_id", "client_id"])
            .returning(table.c.id))


def _stored_seq(consultation_id, sender_user_id, client_id):
    return db.session.scalar(select(ConsultMessage.seq).where(ConsultMessage.consultation_id == consultation_id,
                                                              ConsultMessage.sender_user_id == sender_user_id,
                                                              ConsultMessage.client_id == client_id))


def post_message(actor, consultation_id, role, client_id, text=None, attachment_id=None):
    """Store a message (or find the seq the sender's client_id already got); returns (seq, duplicate).

    `role` is the sender's participant role, checked when they joined. The caller commits and acks; for a
    duplicate it rolls back instead (undoing the counter bump).
    """
    if attachment_id is not None and db.session.scalar(select(ConsultAttachment.id).where(
            ConsultAttachment.id == attachment_id, ConsultAttachment.consultation_id == consultation_id)) is None:
        raise ApiError(404, "attachment_not_found", "No such attachment in this consultation.")
    begin_write()
    now = clock.now()
    seq = db.session.execute(_BUMP_SEQ, {"cid": consultation_id, "now": now}).scalar()
    if seq is None:
        known = _stored_seq(consultation_id, actor.user_id, client_id)
        if known is not None:  # a retry of a message stored before the consultation ended
            return known, True
        status = db.session.scalar(select(Consultation.status).where(Consultation.id == consultation_id))
        raise ApiError(409, "not_active", f"The consultation is {status}; messages are closed.")
    row = {"consultation_id": consultation_id, "seq": seq, "client_id": client_id, "sender_user_id": actor.user_id,
           "sender_role": role, "text": text, "attachment_id": attachment_id, "created_at": now}
    if db.session.execute(_insert_new(db.session.get_bind().dialect.name), row).first() is None:
        return _stored_seq(consultation_id, actor.user_id, client_id), True
    metrics.count_after_commit(MESSAGES, kind="attachment" if attachment_id is not None else "text")
    push("message", message_to_dict(row), consultation_room(consultation_id))
    return seq, False


def _after(consultation_id, after):
    return select(ConsultMessage).where(ConsultMessage.consultation_id == consultation_id,
                                        ConsultMessage.seq > after).order_by(ConsultMessage.seq)


def messages_after(consultation_id, after=0, limit=MAX_PAGE):
    """Up to `limit` messages with seq > `after`, in order (no access check: callers check and audit)."""
    return list(db.session.scalars(_after(consultation_id, after).limit(min(limit, MAX_PAGE))))


def list_messages(actor, consultation_id, after, page):
    """The page (a core.pagination.Page) of the messages after `after` a participant (or admin) may read; audited."""
    consultation = consultation_for(actor, consultation_id)
    found = page.rows(_after(consultation.id, after))
    record_access(actor, "read", f"Consultation/{consultation.id}/messages", f"Patient/{consultation.patient_id}",
                  detail={"after": after, "returned": len(found)})
    return consultation, found
