"""Scheduling's public surface: slot generation and the slot schema other capabilities embed."""
from clinic.scheduling.schemas import SlotSchema
from clinic.scheduling.slots import generate_slots

__all__ = ["SlotSchema", "generate_slots"]
