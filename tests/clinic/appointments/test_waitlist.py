"""The waitlist: a freed place is held for the first in line, expires to the next, is accepted by booking."""
from datetime import timedelta

from clinic.appointments.jobs import expire_waitlist_offers
from clinic.scheduling import Slot
from core.extensions import db
from tests.clinic.conftest import at, book

T0 = at(2026, 3, 3, 0, 0)


def test_offer_expiry_and_hand_over(app, client, accounts, world, frozen, setting):
    setting(CLINIC_WAITLIST_HOLD_MINUTES=15)
    frozen(T0)
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    slot_id = world.slot(doctor_id, inst, T0 + timedelta(hours=6))
    first, second, third, outsider = ([accounts.patient()[1] for _ in range(4)])
    holder = book(client, first, slot_id).get_json()
    day = "2026-03-03"
    w2 = client.post("/api/v1/waitlist", headers=second, json={"doctor_id": doctor_id, "date": day})
    assert w2.status_code == 201 and w2.get_json()["status"] == "waiting"
    frozen.advance(minutes=1)
    w3 = client.post("/api/v1/waitlist", headers=third, json={"doctor_id": doctor_id, "date": day}).get_json()
    assert client.post("/api/v1/waitlist", headers=third, json={"doctor_id": doctor_id, "date": day}).status_code == 409

    # A cancellation frees the place: it is held for the first in line, and nobody else can take it.
    assert client.post(f"/api/v1/appointments/{holder['id']}/cancel", headers=first).status_code == 200
    mine = client.get("/api/v1/waitlist", headers=second).get_json()["items"][0]
    assert mine["status"] == "offered" and mine["offered_slot_id"] == slot_id
    assert client.get("/api/v1/notifications", headers=second).get_json()["items"][0]["kind"] == "waitlist_offer"
    assert book(client, outsider, slot_id).get_json()["code"] == "slot_full"

    # The hold expires; the sweep passes it to the next in line, who accepts through the booking path.
    frozen.advance(minutes=16)
    with app.app_context():
        assert expire_waitlist_offers() == 1
        db.session.commit()
    assert client.get("/api/v1/waitlist", headers=second).get_json()["items"][0]["status"] == "expired"
    assert client.post(f"/api/v1/waitlist/{w2.get_json()['id']}/accept", headers=second, json={}).status_code == 409
    assert client.get("/api/v1/waitlist", headers=third).get_json()["items"][0]["status"] == "offered"
    r = client.post(f"/api/v1/waitlist/{w3['id']}/accept", headers=third, json={"reason": "follow-up"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["slot"]["id"] == slot_id and r.get_json()["status"] == "booked"
    with app.app_context():
        slot = db.session.get(Slot, slot_id)
        assert (slot.booked, slot.held) == (1, 0)
    assert client.get("/api/v1/waitlist", headers=third).get_json()["items"][0]["appointment_id"] == r.get_json()["id"]


def test_new_capacity_and_leaving_the_line(app, client, accounts, world, frozen):
    frozen(T0)
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    first, second = accounts.patient()[1], accounts.patient()[1]
    entry = client.post("/api/v1/waitlist", headers=first, json={"doctor_id": doctor_id, "date": "2026-03-04"}).get_json()
    frozen.advance(seconds=1)
    client.post("/api/v1/waitlist", headers=second, json={"doctor_id": doctor_id, "date": "2026-03-04"})
    # A place appears (new capacity): the first in line is offered it at once.
    from clinic.appointments import waitlist
    slot_id = world.slot(doctor_id, inst, at(2026, 3, 4, 1, 0), local_date=at(2026, 3, 4).date())
    with app.app_context():
        assert waitlist.offer_open_places(doctor_id, at(2026, 3, 4).date()) == 1
        db.session.commit()
    assert client.get("/api/v1/waitlist", headers=first).get_json()["items"][0]["status"] == "offered"
    # Leaving releases the hold to the next patient.
    assert client.post(f"/api/v1/waitlist/{entry['id']}/cancel", headers=first).get_json()["status"] == "cancelled"
    assert client.get("/api/v1/waitlist", headers=second).get_json()["items"][0]["offered_slot_id"] == slot_id
    # Someone else's entry is not found.
    assert client.post(f"/api/v1/waitlist/{entry['id']}/accept", headers=second, json={}).status_code == 404
