"""Telling users things: the inbox and its pushes.

Public surface: this module (the table) and `clinic.notifications.services` (notify_user, the notifier).
"""
from clinic.notifications.models import Notification

__all__ = ["Notification"]
