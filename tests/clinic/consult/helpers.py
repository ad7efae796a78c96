"""Set-up for consulting-room tests: a doctor with a Practitioner, an eligible patient, an open room."""
from dataclasses import dataclass, field

from clinic.consult import rooms
from core.auth import SYSTEM
from core.extensions import db
from records import api as records
from tests.clinic.risk.helpers import STABLE_VITALS, give_history, sign_protocol


@dataclass
class Party:
    user_id: str
    headers: dict
    patient_id: str | None = None
    account: dict = field(default_factory=dict)

    @property
    def token(self):
        return self.headers["Authorization"].split(" ", 1)[1]


def make_doctor(app, accounts, username="drwang"):
    """A doctor account linked to a FHIR Practitioner."""
    with app.app_context():
        practitioner = records.create(SYSTEM, {"resourceType": "Practitioner", "name": [{"text": username}]})
        db.session.commit()
    user_id, headers = accounts.staff("doctor", username, practitioner_id=practitioner["id"])
    return Party(user_id, headers, account={"practitioner_id": practitioner["id"]})


def make_patient(app, accounts, client, eligible=True, name="Li Wei"):
    """A patient; `eligible`: an in-person I10 history, the signed protocol and a fresh stable triage."""
    account, headers = accounts.patient(name=name)
    if eligible:
        give_history(app, account["patient_id"], code="I10")
        sign_protocol(client, headers)
        r = client.post("/api/v1/triage", json={"symptoms": ["25064002"], "vitals": STABLE_VITALS}, headers=headers)
        assert r.status_code == 201, r.get_json()
    return Party(account["id"], headers, account["patient_id"], account)


def make_room(app, code="ningbo-hypertension", clinic="hypertension"):
    """A consulting room served by a FHIR Organization; returns its id."""
    with app.app_context():
        org = records.create(SYSTEM, {"resourceType": "Organization", "name": "Ningbo Cloud Hospital"})
        room = rooms.create_room(code, "Hypertension cloud clinic", clinic, organization_id=org["id"])
        db.session.commit()
        return room.id


def start_consultation(app, accounts, client, queue, reason="I10 hypertension follow-up", **appointment):
    """Doctor, eligible patient, an open room and a called-in consultation: (doctor, patient, room_id, body)."""
    doctor = make_doctor(app, accounts)
    patient = make_patient(app, accounts, client)
    room_id = make_room(app)
    assert client.post(f"/api/v1/rooms/{room_id}/open", headers=doctor.headers).status_code == 200
    queue.add(patient.account, reason=reason, **appointment)
    r = client.post(f"/api/v1/rooms/{room_id}/call-next", json={}, headers=doctor.headers)
    assert r.status_code == 201, r.get_json()
    return doctor, patient, room_id, r.get_json()


NS = "/consult"


def socket_for(app, party):
    """An in-process Socket.IO test client connected to /consult as `party`."""
    from core.extensions import socketio

    # Another create_app in this process (a make_app, a migration test) may have taken the one SocketIO
    # object's server, maybe with a Redis queue the test client refuses: use `app`'s own.
    socketio.server = app.extensions["clinic.socketio_server"]
    return socketio.test_client(app, namespace=NS, auth={"token": party.token})


def join(app, party, consultation_id, last_seq=0):
    """Connect `party`, join the consultation; returns (test client, join ack)."""
    tc = socket_for(app, party)
    ack = tc.emit("join", {"consultation_id": consultation_id, "last_seq": last_seq}, namespace=NS, callback=True)
    return tc, ack


def say(tc, consultation_id, text, client_id=None):
    """Send a chat message through a test client; returns the ack."""
    return tc.emit("message", {"consultation_id": consultation_id, "client_id": client_id or text, "text": text},
                   namespace=NS, callback=True)


def checked_in_with_real_queue(app, client, accounts, world):
    """An eligible patient checked in for an online slot of a hypertension doctor through the real clinic
    queue, and the doctor's open room: (patient account, patient headers, doctor headers, appointment, room id)."""
    from datetime import timedelta

    from core import clock
    from tests.clinic.conftest import book
    from tests.clinic.risk.helpers import STABLE_VITALS, eligible_patient

    inst = world.institution()
    doctor_id, doctor = world.doctor([inst], specialties=("hypertension",))
    slot_id = world.slot(doctor_id, inst, clock.now().replace(microsecond=0) + timedelta(minutes=20), kind="online")
    account, patient = eligible_patient(app, client, accounts, code="I10")
    client.post("/api/v1/triage", json={"symptoms": [], "vitals": STABLE_VITALS}, headers=patient)
    appointment = book(client, patient, slot_id, kind="online", reason="I10 blood pressure follow-up").get_json()
    assert client.post(f"/api/v1/appointments/{appointment['id']}/check-in", headers=patient).status_code == 200
    room_id = make_room(app)
    assert client.post(f"/api/v1/rooms/{room_id}/open", headers=doctor).status_code == 200
    return account, patient, doctor, appointment, room_id
