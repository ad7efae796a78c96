"""Socket.IO pushes of the consulting rooms, queued until the transaction commits.

clinic.realtime.services imports our socket event mixin, so realtime is imported here at call time only.
"""


def consultation_room(consultation_id):
    """The room every joined connection of a consultation is in."""
    return f"consultation:{consultation_id}"


def participant_room(consultation_id, user_id):
    """The room of one participant's joined connections (signalling goes there, to nobody else)."""
    return f"consultation:{consultation_id}:user:{user_id}"


def user_room(user_id):
    """The personal room of every connection of `user_id` (clinic.realtime.services)."""
    from clinic.realtime import services as realtime

    return realtime.user_room(user_id)


def push(event_name, payload, room):
    """Emit `event_name` to `room` on /consult after the commit (never for a rolled-back change)."""
    from clinic.realtime import services as realtime

    realtime.emit_after_commit(event_name, payload, room)
