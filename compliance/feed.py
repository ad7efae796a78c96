"""The supervision feed: the sink that writes reported events (core.reporting) as feed entries in the
transaction of their change, and the cursor-paged read of the feed.

Positions are the entries' ids. Every transaction that reports takes one named lock just before it commits
(core.transaction.serialise_on), so entries are numbered and committed one transaction at a time: a reader
that has seen position N never later finds an entry below N. The lock is held only for the commit itself.
"""
import base64
import binascii
import json

from sqlalchemy import func, select

from compliance.models import FeedEntry
from core import clock
from core.extensions import db
from core.transaction import serialise_on

FEED_LOCK = "supervision-feed"


def write_events(session, events):
    """core.reporting's sink: add one feed entry per event, each with the next sequence number of its trace."""
    serialise_on(FEED_LOCK)
    next_seq = {}
    for event in events:
        trace = event["trace_id"]
        if trace not in next_seq:
            next_seq[trace] = (session.scalar(select(func.max(FeedEntry.trace_seq))
                                              .where(FeedEntry.trace_id == trace)) or 0) + 1
        session.add(FeedEntry(
            trace_id=trace, trace_seq=next_seq[trace], kind=event["kind"], subject=event["subject"],
            patient_ref=event["patient_ref"], actor_user_id=event["actor"]["user_id"],
            actor_role=event["actor"]["role"], occurred_at=event["occurred_at"], recorded_at=clock.now(),
            payload=json.dumps(event["payload"], default=str, ensure_ascii=False, sort_keys=True)))
        next_seq[trace] += 1
    session.flush()


def encode_cursor(position):
    """The opaque cursor that resumes the feed after `position`."""
    return base64.urlsafe_b64encode(json.dumps({"after": position}).encode()).decode().rstrip("=")


def decode_cursor(cursor):
    """The position a cursor resumes after; ValueError when it is not one of ours."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["after"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ValueError("not a cursor of this feed") from None
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise ValueError("not a cursor of this feed")
    return position


def entries_after(position, limit):
    """Up to `limit` entries after `position`, in feed order."""
    stmt = select(FeedEntry).where(FeedEntry.id > position).order_by(FeedEntry.id).limit(limit)
    return db.session.scalars(stmt).all()


def entry_to_dict(entry):
    """The wire form of a feed entry (the pull API and the push body)."""
    return {"position": entry.id, "trace_id": entry.trace_id, "trace_seq": entry.trace_seq, "kind": entry.kind,
            "subject": entry.subject, "patient": entry.patient_ref,
            "actor": {"user_id": entry.actor_user_id, "role": entry.actor_role},
            "occurred_at": entry.occurred_at.isoformat(), "recorded_at": entry.recorded_at.isoformat(),
            "payload": json.loads(entry.payload)}
