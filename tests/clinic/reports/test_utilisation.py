"""The room-utilisation report: busy minutes per room and local day, clipped to the window and to now."""
from datetime import timedelta

from clinic.consult import rooms
from clinic.consult.models import Consultation
from core.extensions import db
from tests.clinic.conftest import at

URL = "/api/v1/reports/room-utilisation"
DAY = at(2026, 3, 3, 0, 0)  # 08:00 in Ningbo


def _consultation(room_id, started, minutes, status="closed"):
    ended = started + timedelta(minutes=minutes) if minutes is not None else None
    db.session.add(Consultation(room_id=room_id, patient_id="p", patient_user_id="u", doctor_user_id="d",
                                status=status, invited_at=started or DAY, started_at=started, ended_at=ended))


def test_busy_minutes_per_room_and_local_day(app, client, accounts, frozen):
    frozen(DAY + timedelta(hours=6))
    with app.app_context():
        room_a = rooms.create_room("room-a", "Room A", "hypertension").id
        room_b = rooms.create_room("room-b", "Room B", "diabetes").id
        _consultation(room_a, DAY + timedelta(hours=2), 20)  # 10:00-10:20 local
        _consultation(room_a, DAY + timedelta(hours=2, minutes=30), 10)  # 10:30-10:40: a 10-minute gap between
        _consultation(room_a, DAY - timedelta(minutes=10), 30)  # from before the window: 20 minutes count
        _consultation(room_b, DAY + timedelta(hours=5, minutes=30), None, status="active")  # still going: to now
        _consultation(room_b, None, None, status="expired")  # invited, never started: no busy time
        db.session.commit()
    _, admin = accounts.admin()
    window = {"from": DAY.isoformat(), "to": (DAY + timedelta(days=1)).isoformat()}
    answer = client.get(URL, query_string=window, headers=admin)
    assert answer.status_code == 200, answer.get_json()
    rows = {r["room_name"]: r for r in answer.get_json()["items"]}
    assert rows["Room A"] == {"room_id": room_a, "room_name": "Room A", "clinic": "hypertension", "date": "2026-03-03",
                              "consultations": 3, "busy_minutes": 50.0, "average_minutes": 16.7,
                              "busy_share": round(50 / 160, 3)}
    assert (rows["Room B"]["consultations"], rows["Room B"]["busy_minutes"], rows["Room B"]["busy_share"]) == (1, 30.0, 1.0)


def test_only_admins_and_a_forward_window(client, accounts, world):
    _, doctor = world.doctor([world.institution()])
    _, admin = accounts.admin()
    window = {"from": DAY.isoformat(), "to": (DAY + timedelta(days=1)).isoformat()}
    assert client.get(URL, query_string=window, headers=doctor).status_code == 403
    backwards = client.get(URL, query_string={"from": window["to"], "to": window["from"]}, headers=admin)
    assert backwards.status_code == 422 and backwards.get_json()["errors"][0]["field"] == "to"
    assert client.get(URL, query_string=window, headers=admin).get_json()["items"] == []
