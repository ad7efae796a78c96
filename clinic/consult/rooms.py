"""Cloud consulting rooms: list, open for a session, close, and the demo's four rooms."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from clinic.consult.models import ConsultRoom
from core import clock
from core.dbutil import conditional_update
from core.errors import ApiError
from core.extensions import db
from core.transaction import begin_write

# The four cloud clinics Ningbo opened first; `seed_rooms` creates one room for each.
DEMO_CLINICS = (("hypertension", "Hypertension cloud clinic"), ("diabetes", "Diabetes cloud clinic"),
                ("psychology", "Psychology cloud clinic"), ("general_medicine", "General medicine cloud clinic"))


def room_to_dict(room):
    """The API view of a room."""
    return {"id": room.id, "code": room.code, "name": room.name, "clinic": room.clinic,
            "institution_id": room.institution_id, "status": room.status, "doctor_user_id": room.doctor_user_id,
            "practitioner_id": room.practitioner_id, "current_consultation_id": room.current_consultation_id,
            "busy": room.current_consultation_id is not None, "opened_at": room.opened_at}


def list_rooms(clinic=None, institution_id=None):
    """Every room (optionally of one clinic or institution), ordered by code."""
    stmt = select(ConsultRoom).order_by(ConsultRoom.code)
    if clinic:
        stmt = stmt.where(ConsultRoom.clinic == clinic)
    if institution_id:
        stmt = stmt.where(ConsultRoom.institution_id == institution_id)
    return list(db.session.scalars(stmt))


def get_room(room_id, lock=False):
    """The room or 404 (`lock`: re-read it inside a write transaction)."""
    if lock:
        begin_write()
    room = db.session.get(ConsultRoom, room_id, populate_existing=lock)
    if room is None:
        raise ApiError(404, "not_found", "No such consulting room.")
    return room


def create_room(code, name, clinic, institution_id=None, organization_id=None):
    """Create a room (admin set-up); 409 when the code is taken."""
    room = ConsultRoom(code=code, name=name, clinic=clinic, institution_id=institution_id,
                       organization_id=organization_id)
    db.session.add(room)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ApiError(409, "room_exists", f"A room with code {code!r} exists.") from None
    return room


def seed_rooms(prefix="ningbo", institution_id=None, organization_id=None):
    """Create the four demo rooms if missing (idempotent); return how many were created."""
    created = 0
    for clinic, name in DEMO_CLINICS:
        code = f"{prefix}-{clinic.replace('_', '-')}"
        if db.session.scalar(select(ConsultRoom.id).where(ConsultRoom.code == code)) is None:
            db.session.add(ConsultRoom(code=code, name=name, clinic=clinic, institution_id=institution_id,
                                       organization_id=organization_id))
            created += 1
    db.session.flush()
    return created


def open_room(actor, room_id):
    """The doctor opens the room for a session (idempotent for the same doctor); 409 if taken."""
    if actor.role != "doctor":
        raise ApiError(403, "forbidden", "Only doctors open consulting rooms.")
    room = get_room(room_id, lock=True)
    if room.status == "open" and room.doctor_user_id == actor.user_id:
        return room
    try:
        with db.session.begin_nested():  # the partial unique index: one open room per doctor
            claimed = conditional_update(
                ConsultRoom, [ConsultRoom.id == room.id, ConsultRoom.status == "closed"],
                {"status": "open", "doctor_user_id": actor.user_id, "practitioner_id": actor.practitioner_id,
                 "opened_at": clock.now(), "updated_at": clock.now()})
    except IntegrityError:
        raise ApiError(409, "doctor_has_room", "You already have another room open; close it first.") from None
    if not claimed:
        raise ApiError(409, "room_taken", "Another doctor has this room open.")
    db.session.refresh(room)
    return room


def close_room(actor, room_id):
    """The room's doctor (or an admin) closes it; 409 while a consultation is under way."""
    room = get_room(room_id, lock=True)
    if not (actor.is_admin or (actor.role == "doctor" and room.doctor_user_id == actor.user_id)):
        raise ApiError(403, "forbidden", "Only the doctor who opened the room may close it.")
    if room.status == "closed":
        return room
    closed = conditional_update(ConsultRoom, [ConsultRoom.id == room.id, ConsultRoom.status == "open",
                                              ConsultRoom.current_consultation_id.is_(None)],
                                {"status": "closed", "doctor_user_id": None, "practitioner_id": None,
                                 "opened_at": None, "updated_at": clock.now()})
    if not closed:
        raise ApiError(409, "consultation_in_progress", "End the current consultation before closing the room.")
    db.session.refresh(room)
    return room
