"""The appointments' periodic sweeps (run by the scheduler leader; tests call these functions directly)."""
from clinic.appointments import reminders, waitlist
from core.scheduler import register_periodic


@register_periodic("clinic.send_reminders", seconds=60)
def send_reminders():
    """Send due appointment reminders (each once)."""
    return reminders.send_due_reminders()


@register_periodic("clinic.mark_noshows", seconds=300)
def mark_noshows():
    """Mark appointments never checked in as noshow."""
    return reminders.mark_noshows()


@register_periodic("clinic.expire_waitlist_offers", seconds=60)
def expire_waitlist_offers():
    """Expire waitlist holds and offer the places to the next in line."""
    return waitlist.expire_offers()

