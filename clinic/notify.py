"""Telling a user something: a small notifier interface; the default writes the inbox and pushes.

Another channel (SMS, WeChat template messages) implements `Notifier.notify` and is installed with
`set_notifier` at start-up; callers only ever use `notify_user`.
"""
import json

from clinic.models import Notification
from clinic.realtime import emit_after_commit, user_room
from core.extensions import db


class Notifier:
    """Delivers a notification to a user (inside the caller's transaction)."""

    def notify(self, user_id, kind, title, body=None, data=None):
        raise NotImplementedError


class InboxNotifier(Notifier):
    """Store the notification in the user's inbox and push it to `user:<id>` after the commit."""

    def notify(self, user_id, kind, title, body=None, data=None):
        stored = json.dumps(data, ensure_ascii=False, default=str) if data else None
        row = Notification(user_id=user_id, kind=kind, title=title, body=body, data=stored)
        db.session.add(row)
        db.session.flush()
        # Push the data as stored (times as text): a datetime in `data` would make the emit fail.
        emit_after_commit("notification", {"id": row.id, "kind": kind, "title": title, "body": body,
                                           "data": json.loads(stored) if stored else {},
                                           "created_at": row.created_at.isoformat()}, user_room(user_id))
        return row


_notifier = InboxNotifier()


def set_notifier(notifier):
    """Install the notifier used by every clinic workflow."""
    global _notifier
    _notifier = notifier


def notify_user(user_id, kind, title, body=None, data=None):
    """Notify `user_id` through the installed notifier."""
    return _notifier.notify(user_id, kind, title, body, data)
