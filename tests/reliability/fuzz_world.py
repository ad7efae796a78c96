"""A small, realistic clinic for the fuzzers: the demo data set plus one online journey (booked, checked
in, consulted with an attachment, ended, prescribed, reviewed, ordered), a second booking and a schedule
exception (a waitlist entry when the API grants one), all through the API the way the apps do it.

The fuzzers get the bearer headers of every demo role and, per path parameter, the ids of objects that
exist (`World.ids`), so generated requests reach the code behind the 404s."""
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core import clock
from seeds.demo import DEMO_PHARMACIES
from tests.clinic.risk.helpers import STABLE_VITALS
from tests.demo_world import load_demo, ningbo_morning

# The demo accounts (seeds/demo.py) the fuzzers act as; the other two patients are the "someone else".
ROLES = {
    "patient": ("13800000001", "patient123"),
    "doctor": ("doctor.wang", "doctor123"),
    "pharmacist": ("pharmacist.li", "pharma123"),
    "reviewer": ("pharmacist.zhao", "review123"),
    "admin": ("admin", "admin12345"),
}
AMLODIPINE = {"code": "C08CA01", "dose": "5 mg", "frequency": "once daily", "route": "oral",
              "quantity": 28, "days_supply": 28}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class World:
    headers: dict = field(default_factory=dict)  # role -> {"Authorization": ...}; "anonymous" -> {}
    ids: dict = field(default_factory=dict)  # path parameter name -> [existing ids]
    patient_id: str = ""  # the FHIR Patient of the fuzzing patient


def _ok(response, status=(200, 201)):
    assert response.status_code in ((status,) if isinstance(status, int) else status), response.get_data(as_text=True)
    return response.get_json()


def _items(body):
    return body["items"] if isinstance(body, dict) and "items" in body else body


def _all(client, url, headers):
    """Every item of a list, following its `next` links (core.pagination)."""
    found = []
    while url:
        page = _ok(client.get(url, headers=headers))
        found += page["items"]
        url = page["next"]
    return found


def _ids(client, url, headers, key="id"):
    return [row[key] for row in _all(client, url, headers)]


def join_consultation(app, user_id, consultation_id):
    """The patient enters the consultation (what the Socket.IO `join` does first), so it becomes active."""
    from clinic.consult import lifecycle
    from core.auth import actor_for
    from core.extensions import db
    from core.models import User

    with app.app_context():
        lifecycle.join_consultation(actor_for(db.session.get(User, user_id)), consultation_id)
        db.session.commit()


def _log_in(client):
    headers = {"anonymous": {}}
    for role, (username, password) in ROLES.items():
        token = _ok(client.post("/api/v1/auth/token", json={"username": username, "password": password}))
        headers[role] = {"Authorization": f"Bearer {token['access_token']}"}
    return headers


def build_world(app, client, journey=True):
    """Load the demo data (in which doctor.wang cares for the fuzzing patient) on a Ningbo morning and, with
    `journey`, walk that patient through the online journey; returns a World."""
    ningbo_morning()  # a clock of its own (restored by tests/conftest.py), on which the demo's copy fits
    load_demo(app)
    world = World()
    h = world.headers = _log_in(client)
    me = _ok(client.get("/api/v1/me", headers=h["patient"]))
    world.patient_id = me["patient_id"]
    if not journey:
        return world
    ids = world.ids
    wang = next(d for d in _all(client, "/api/v1/doctors", h["patient"])
                if d.get("practitioner_id") == "demo-practitioner-1")
    slots = _items(_ok(client.get(f"/api/v1/slots?doctor_id={wang['id']}&kind=online", headers=h["patient"])))
    in_person = _items(_ok(client.get(f"/api/v1/slots?doctor_id={wang['id']}&kind=in_person",
                                      headers=h["patient"])))
    # Every fact of the journey is made on the clock it is used with: half an hour before Dr Wang's first
    # online slot (check-in is open), which may be days away (his online sessions are Mon/Wed/Fri); a
    # triage submitted at the real time would be stale by then. Restored by tests/conftest.py.
    starts = datetime.fromisoformat(slots[0]["starts_at"])
    clock.set_clock(lambda: starts - timedelta(minutes=30))
    h = world.headers = _log_in(client)  # tokens issued on the new clock
    version = _ok(client.get("/api/v1/consents/protocol", headers=h["patient"]))["version"]
    ids["consent_id"] = [_ok(client.post("/api/v1/consents", json={"protocol_version": version},
                                         headers=h["patient"]))["id"]]
    _ok(client.post("/api/v1/triage", json={"symptoms": [], "vitals": STABLE_VITALS}, headers=h["patient"]))
    online = _ok(client.post("/api/v1/appointments", headers=h["patient"], json={
        "slot_id": slots[0]["id"], "kind": "online", "reason": "I10 blood pressure follow-up"}))
    _ok(client.post(f"/api/v1/appointments/{online['id']}/check-in", headers=h["patient"]))
    later = _ok(client.post("/api/v1/appointments", headers=h["patient"], json={
        "slot_id": in_person[-1]["id"], "kind": "in_person", "reason": "I10 check-up"}))
    ids["appointment_id"] = [online["id"], later["id"]]

    room = next(r for r in _items(_ok(client.get("/api/v1/rooms", headers=h["doctor"])))
                if r["clinic"] == "hypertension")
    _ok(client.post(f"/api/v1/rooms/{room['id']}/open", headers=h["doctor"]))
    consultation = _ok(client.post(f"/api/v1/rooms/{room['id']}/call-next", json={}, headers=h["doctor"]))
    attachment = _ok(client.post(f"/api/v1/consultations/{consultation['id']}/attachments", headers=h["patient"],
                                 data={"file": (io.BytesIO(PNG), "bp.png", "image/png")}))
    join_consultation(app, me["id"], consultation["id"])
    _ok(client.post(f"/api/v1/consultations/{consultation['id']}/end", headers=h["doctor"], json={
        "note": "BP controlled.", "diagnoses": [{"code": "I10"}]}))
    prescription = _ok(client.post("/api/v1/prescriptions", headers=h["doctor"], json={
        "consultation_id": consultation["id"], "items": [AMLODIPINE]}))
    _ok(client.post(f"/api/v1/prescriptions/{prescription['id']}/review", json={"decision": "approve"},
                    headers=h["reviewer"]))
    order = _ok(client.post(f"/api/v1/prescriptions/{prescription['id']}/fulfilment", headers=h["patient"],
                            json={"mode": "pickup", "location": {"lat": 29.8713, "lon": 121.5410}}))
    ids.update(room_id=_ids(client, "/api/v1/rooms", h["doctor"]), consultation_id=[consultation["id"]],
               attachment_id=[attachment["id"]], prescription_id=[prescription["id"]], order_id=[order["order_id"]])

    far = (starts + timedelta(days=60)).date().isoformat()  # past the slot horizon: cancels no booking
    ids["exception_id"] = [_ok(client.post("/api/v1/schedules/exceptions", headers=h["admin"], json={
        "doctor_id": wang["id"], "kind": "leave", "start_date": far, "end_date": far, "reason": "training"}))["id"]]
    ids.update(institution_id=_ids(client, "/api/v1/institutions", h["admin"]),
               doctor_id=_ids(client, "/api/v1/doctors", h["admin"]),
               template_id=_ids(client, "/api/v1/schedules/templates", h["admin"]),
               pharmacy_id=[p["id"] for p in DEMO_PHARMACIES],
               user_id=_ids(client, "/api/v1/admin/users", h["admin"]),
               notification_id=_ids(client, "/api/v1/notifications", h["patient"]),
               slot_id=[s["id"] for s in slots[1:4] + in_person[:3]])
    waitlisted = client.post("/api/v1/waitlist", headers=h["patient"], json={"slot_id": in_person[0]["id"]})
    ids["entry_id"] = [waitlisted.get_json()["id"]] if waitlisted.status_code == 201 else []
    return world
