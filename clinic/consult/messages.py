"""Chat messages: stored with a per-consultation sequence number before they are acknowledged,
de-duplicated by the sender's client_id, replayed in order after any `seq`.

Sequence numbers: `consultations.last_seq` is bumped with a conditional update, which takes the
consultation row's lock (PostgreSQL) or the database write lock (SQLite, BEGIN IMMEDIATE) until the
commit, so two senders never get the same number; unique (consultation_id, seq) backs it. The
duplicate check runs after the lock is held, so a retry racing its original sees it committed.
"""
from sqlalchemy import select

from clinic.consult.access import consultation_for
from clinic.consult.dbutil import begin_write, conditional_update
from clinic.consult.models import Consultation, ConsultAttachment, ConsultMessage
from clinic.consult.push import consultation_room, push
from core import clock
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db

MAX_PAGE = 500


def message_to_dict(message):
    """The wire and API view of a message."""
    return {"consultation_id": message.consultation_id, "seq": message.seq, "client_id": message.client_id,
            "sender_user_id": message.sender_user_id, "sender_role": message.sender_role, "text": message.text,
            "attachment_id": message.attachment_id, "created_at": message.created_at.isoformat()}


def _existing(consultation_id, client_id):
    return db.session.scalar(select(ConsultMessage).where(ConsultMessage.consultation_id == consultation_id,
                                                          ConsultMessage.client_id == client_id))


def post_message(actor, consultation_id, role, client_id, text=None, attachment_id=None):
    """Store a message (or find the one this client_id already stored); returns (message, duplicate).

    `role` is the sender's participant role, checked when they joined. The caller commits, then acks.
    """
    if attachment_id is not None and db.session.scalar(select(ConsultAttachment.id).where(
            ConsultAttachment.id == attachment_id, ConsultAttachment.consultation_id == consultation_id)) is None:
        raise ApiError(404, "attachment_not_found", "No such attachment in this consultation.")
    known = _existing(consultation_id, client_id)
    if known is not None:  # a retry of a committed message: no lock needed
        return known, True
    begin_write()
    now = clock.now()
    bumped = conditional_update(Consultation, [Consultation.id == consultation_id, Consultation.status == "active"],
                                {"last_seq": Consultation.last_seq + 1, "last_activity_at": now})
    duplicate = _existing(consultation_id, client_id)
    if duplicate is not None:
        return duplicate, True  # the caller rolls back the bump: no gap in the sequence
    if not bumped:
        status = db.session.scalar(select(Consultation.status).where(Consultation.id == consultation_id))
        raise ApiError(409, "not_active", f"The consultation is {status}; messages are closed.")
    seq = db.session.scalar(select(Consultation.last_seq).where(Consultation.id == consultation_id))
    message = ConsultMessage(consultation_id=consultation_id, seq=seq, client_id=client_id,
                             sender_user_id=actor.user_id, sender_role=role, text=text, attachment_id=attachment_id,
                             created_at=now)
    db.session.add(message)
    db.session.flush()
    push("message", message_to_dict(message), consultation_room(consultation_id))
    return message, False


def messages_after(consultation_id, after=0, limit=MAX_PAGE):
    """Up to `limit` messages with seq > `after`, in order (no access check: callers check and audit)."""
    return list(db.session.scalars(select(ConsultMessage).where(
        ConsultMessage.consultation_id == consultation_id, ConsultMessage.seq > after)
        .order_by(ConsultMessage.seq).limit(min(limit, MAX_PAGE))))


def list_messages(actor, consultation_id, after=0, limit=100):
    """The messages after `after` a participant (or admin) may read; audited."""
    consultation = consultation_for(actor, consultation_id)
    found = messages_after(consultation.id, after, limit)
    record_access(actor, "read", f"Consultation/{consultation.id}/messages", f"Patient/{consultation.patient_id}",
                  detail={"after": after, "returned": len(found)})
    return consultation, found
