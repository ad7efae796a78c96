"""The consulting rooms' public surface for the rest of the clinic (and the seeds)."""
from clinic.consult.queue_link import set_queue_link
from clinic.consult.rooms import seed_rooms
from clinic.consult.socket_events import ConsultNamespace

__all__ = ["ConsultNamespace", "seed_rooms", "set_queue_link"]
