"""Telling a user something: a small notifier interface; the default writes the inbox and pushes.

Another channel (SMS, WeChat template messages) implements `Notifier.notify` and is installed with
`set_notifier` at start-up; callers only ever use `notify_user`.
"""
import json

from clinic.notifications import Notification
from clinic.realtime.services import emit_after_commit, user_room
from core.extensions import db


class Notifier:
    """Delivers a notification to a user (inside the caller's transaction)."""

    def notify(self, user_id, kind, title, body=None, data=None):
        raise NotImplementedError


class InboxNotifier(Notifier):
    """Store the notification in the user's inbox and push it to `user:<id>` after the commit."""

    def notify(self, user_id, kind, title, body=None, data=None):
        encoded = json.dumps(data, ensure_ascii=False, default=_json_value) if data else None
        row = Notification(user_id=user_id, kind=kind, title=title, body=body, data=encoded)
        db.session.add(row)
        db.session.flush()
        # The push carries what the inbox stored: plain JSON (a datetime in `data` would make the emit fail).
        emit_after_commit("notification", {"id": row.id, "kind": kind, "title": title, "body": body,
                                           "data": json.loads(encoded) if encoded else {},
                                           "created_at": row.created_at.isoformat()},
                          user_room(user_id))
        return row


def _json_value(value):
    """Dates and times as ISO 8601, anything else as its text."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


_notifier = InboxNotifier()


def set_notifier(notifier):
    """Install the notifier used by every clinic workflow."""
    global _notifier
    _notifier = notifier


def notify_user(user_id, kind, title, body=None, data=None):
    """Notify `user_id` through the installed notifier."""
    return _notifier.notify(user_id, kind, title, body, data)
