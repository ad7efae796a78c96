"""Cloud consulting rooms: the doctor's queue feeds a room, chat and video-call signalling over
Socket.IO (`/consult`), attachments, timeouts, and the outcome written into the health record.

Public surface: this module (the tables) and `clinic.consult.services`; `clinic.consult.wiring` is what
the app factory calls at start-up.
"""
from clinic.consult.models import (CONSULTATION_STATUSES, LIVE_STATUSES, ROOM_STATUSES, Consultation, ConsultAttachment,
                                   ConsultMessage, ConsultParticipant, ConsultRoom)

__all__ = ["CONSULTATION_STATUSES", "LIVE_STATUSES", "ROOM_STATUSES", "ConsultAttachment", "ConsultMessage",
           "ConsultParticipant", "ConsultRoom", "Consultation"]
