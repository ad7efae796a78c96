"""Scheduling's public surface: slot generation, news of new places, and the slot schema
other capabilities embed."""
from clinic.scheduling.schemas import SlotSchema
from clinic.scheduling.slots import generate_slots, on_new_places

__all__ = ["SlotSchema", "generate_slots", "on_new_places"]
