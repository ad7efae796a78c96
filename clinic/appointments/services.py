"""Appointments' public surface: what other capabilities may ask of them."""
from clinic.appointments.transitions import ACTIVE
from clinic.appointments.waitlist import offer_open_places

__all__ = ["ACTIVE", "offer_open_places"]
