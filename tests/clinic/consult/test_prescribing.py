"""Pharmacy's events reach people through the clinic's notifier: inbox entries for the accounts
behind each reference."""
from tests.pharmacy.conftest import AMLODIPINE, World, consultations  # noqa: F401  (fixture)


def test_a_review_outcome_lands_in_the_patients_inbox(client, accounts, consultations):
    world = World(client, accounts, consultations)
    world.pharmacy("ph-1", stock={"C08CA01": 100})
    patient_id, patient = world.patient()
    world.approved(patient_id, [AMLODIPINE])
    inbox = client.get("/api/v1/notifications", headers=patient).get_json()["items"]
    items = inbox["items"] if isinstance(inbox, dict) else inbox
    titles = {n["kind"]: n["title"] for n in items}
    assert sorted(titles) == ["prescription.approved", "prescription.issued"]
    assert "approved" in titles["prescription.approved"] and "issued" in titles["prescription.issued"]


def test_a_new_prescription_reaches_the_review_desk_and_only_it(client, accounts, consultations):
    world = World(client, accounts, consultations)
    world.pharmacy("ph-3", stock={"C08CA01": 100})
    pharmacist, reviewer = world.pharmacist("ph-3"), world.reviewer
    patient_id, _ = world.patient()
    issued = world.prescribe(world.doctor(), patient_id, [AMLODIPINE])

    def kinds(headers):
        inbox = client.get("/api/v1/notifications", headers=headers).get_json()["items"]
        return [(n["kind"], n["data"]["prescription_id"]) for n in (inbox["items"] if isinstance(inbox, dict) else inbox)]

    assert kinds(reviewer) == [("prescription.to_review", issued["id"])]
    assert kinds(pharmacist) == []  # a cooperating pharmacy hears of it only once an order is offered to it


def test_an_offer_reaches_every_pharmacist_of_the_pharmacy(client, accounts, consultations):
    world = World(client, accounts, consultations)
    world.pharmacy("ph-2", stock={"C08CA01": 100})
    first, second = world.pharmacist("ph-2"), world.pharmacist("ph-2")
    patient_id, patient = world.patient()
    world.order(patient, world.approved(patient_id, [AMLODIPINE]))
    for headers in (first, second):
        inbox = client.get("/api/v1/notifications", headers=headers).get_json()["items"]
        items = inbox["items"] if isinstance(inbox, dict) else inbox
        assert "order.offered" in [n["kind"] for n in items]
