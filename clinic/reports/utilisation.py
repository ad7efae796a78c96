"""Room utilisation: how much of each consulting room's working time per local day went to consultations.

A consultation is busy time from its start (the patient joined) to its end (or now, while active),
clipped to the report window. `busy_share` is the busy time over the span from the day's first start
to its last end in that room: the share of the session spent consulting (idle gaps between patients
lower it). Days are local to the room's institution (Asia/Shanghai for platform rooms).
"""
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from clinic.consult import Consultation, ConsultRoom
from clinic.directory import Institution
from core import clock
from core.extensions import db

DEFAULT_ZONE = "Asia/Shanghai"


def _zones():
    return dict(db.session.execute(select(Institution.id, Institution.timezone)).all())


def room_utilisation(start, end):
    """Per room and local day: consultations started, busy minutes, average length and busy share in [start, end)."""
    now = clock.now()
    rows = db.session.execute(
        select(Consultation.room_id, Consultation.started_at, Consultation.ended_at)
        .where(Consultation.started_at.is_not(None), Consultation.started_at < end,
               or_(Consultation.ended_at.is_(None), Consultation.ended_at > start)))
    rooms = {room.id: room for room in db.session.scalars(select(ConsultRoom))}
    zones = _zones()
    days = defaultdict(list)
    for room_id, started, ended in rows:
        begin, finish = max(started, start), min(ended or now, end)
        if finish <= begin or room_id not in rooms:
            continue
        zone = ZoneInfo(zones.get(rooms[room_id].institution_id) or DEFAULT_ZONE)
        days[(room_id, begin.astimezone(zone).date())].append((begin, finish))
    report = []
    for (room_id, day), spans in sorted(days.items(), key=lambda item: (rooms[item[0][0]].code, item[0][1])):
        busy = sum((finish - begin).total_seconds() for begin, finish in spans) / 60
        session = (max(f for _, f in spans) - min(b for b, _ in spans)).total_seconds() / 60
        room = rooms[room_id]
        report.append({"room_id": room_id, "room_name": room.name, "clinic": room.clinic, "date": day,
                       "consultations": len(spans), "busy_minutes": round(busy, 1),
                       "average_minutes": round(busy / len(spans), 1),
                       "busy_share": round(busy / session, 3) if session > 0 else 1.0})
    return report
