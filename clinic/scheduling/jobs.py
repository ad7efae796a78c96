"""Scheduling's periodic job (run by the scheduler leader; tests call it directly)."""
from clinic.scheduling import slots
from core.scheduler import register_periodic


@register_periodic("clinic.extend_slots", seconds=24 * 3600)
def extend_slots():
    """Extend the rolling horizon of generated slots."""
    return len(slots.generate_slots())
