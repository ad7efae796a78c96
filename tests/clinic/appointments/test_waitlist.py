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


def test_online_places_go_only_to_patients_who_may_book_online(app, client, accounts, world, frozen):
    from sqlalchemy import select

    from clinic.risk import RiskDecisionLog
    from core.models import AuditEntry
    from tests.clinic.risk.helpers import eligible_patient

    frozen(T0)
    inst = world.institution()
    doctor_id, _ = world.doctor([inst])
    online_id = world.slot(doctor_id, inst, T0 + timedelta(hours=6), kind="online")
    in_person_id = world.slot(doctor_id, inst, T0 + timedelta(hours=7))
    holders = [accounts.patient()[1], eligible_patient(app, client, accounts)[1]]
    online = book(client, holders[1], online_id, kind="online", complaint_code="I10").get_json()
    in_person = book(client, holders[0], in_person_id).get_json()
    day = "2026-03-03"
    # First in line: no signed protocol and no in-person diagnosis; second: may be treated online for I10.
    _, first = accounts.patient()
    _, second = eligible_patient(app, client, accounts)
    w1 = client.post("/api/v1/waitlist", headers=first, json={"doctor_id": doctor_id, "date": day,
                                                               "reason": "I10 blood pressure"}).get_json()
    frozen.advance(seconds=1)
    w2 = client.post("/api/v1/waitlist", headers=second, json={"doctor_id": doctor_id, "date": day,
                                                                "complaint_code": "I10"}).get_json()
    assert (w1["complaint_code"], w2["complaint_code"]) == ("I10", "I10")

    # The online place is not offered to the first in line, who could not book it: the second gets it.
    assert client.post(f"/api/v1/appointments/{online['id']}/cancel", headers=holders[1]).status_code == 200
    assert client.get("/api/v1/waitlist", headers=first).get_json()["items"][0]["status"] == "waiting"
    mine = client.get("/api/v1/waitlist", headers=second).get_json()["items"][0]
    assert (mine["status"], mine["offered_slot_id"]) == ("offered", online_id)
    with app.app_context():
        # Each judgement is the system's, logged with what it was for; a refusal blocks nothing later.
        rows = {r.patient_id: r for r in db.session.scalars(select(RiskDecisionLog).where(
            RiskDecisionLog.context.like("waitlist:%")))}
        assert {r.decision for r in rows.values()} == {"refer_offline", "allow"}
        assert all(r.actor_role == "system" and r.context.endswith(f"slot:{online_id}") for r in rows.values())
        audited = db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity.in_([f"RiskDecision/{r.id}" for r in rows.values()]))).all()
        assert sorted((a.role, a.user_id) for a in audited) == [("system", None)] * 2
    r = client.post(f"/api/v1/waitlist/{w2['id']}/accept", headers=second, json={})
    assert r.status_code == 201 and r.get_json()["complaint_code"] == "I10", r.get_json()

    # An in-person place goes to the first in line as before.
    assert client.post(f"/api/v1/appointments/{in_person['id']}/cancel", headers=holders[0]).status_code == 200
    mine = client.get("/api/v1/waitlist", headers=first).get_json()["items"][0]
    assert (mine["status"], mine["offered_slot_id"]) == ("offered", in_person_id)
    assert client.post(f"/api/v1/waitlist/{w1['id']}/accept", headers=first, json={}).status_code == 201
