"""Pharmacy metrics on /metrics: prescriptions by state, the review (prescription audit) backlog and its
oldest wait, and offers that expired unanswered."""
from datetime import datetime, timedelta, timezone

from core import clock
from core.extensions import db
from pharmacy.sweeps import expire_offers
from tests.metrics import scrape, value

START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
BY_STATE = "cloud_hospital_prescriptions"


def test_prescriptions_by_state_and_the_review_backlog(client, world):
    now = [START]
    clock.set_clock(lambda: now[0])
    patient_id, _ = world.patient()
    doctor = world.doctor()
    waiting = world.prescribe(doctor, patient_id)
    now[0] += timedelta(minutes=10)
    world.prescribe(doctor, patient_id)
    world.approved(patient_id, doctor=doctor)
    now[0] += timedelta(minutes=5)
    samples = scrape(client)
    assert value(samples, BY_STATE, state="pending_review") == 2
    assert value(samples, BY_STATE, state="approved") == 1 and value(samples, BY_STATE, state="rejected") == 0
    assert value(samples, "cloud_hospital_prescription_review_backlog") == 2
    assert value(samples, "cloud_hospital_prescription_review_backlog_oldest_seconds") == 15 * 60
    r = client.post(f"/api/v1/prescriptions/{waiting['id']}/review", json={"decision": "reject", "reason": "dose"},
                    headers=world.reviewer)
    assert r.status_code == 200, r.get_json()
    samples = scrape(client)
    assert value(samples, BY_STATE, state="rejected") == 1
    assert value(samples, "cloud_hospital_prescription_review_backlog_oldest_seconds") == 5 * 60


def test_expired_offers_are_counted_when_the_sweep_commits(app, client, world):
    now = [START]
    clock.set_clock(lambda: now[0])
    world.pharmacy("a", stock={"C08CA01": 100})
    patient_id, patient = world.patient()
    world.order(patient, world.approved(patient_id))
    before = value(scrape(client), "cloud_hospital_pharmacy_offers_expired_total")
    now[0] += timedelta(seconds=app.config["PHARMACY_OFFER_TTL_SECONDS"] + 1)
    with app.app_context():
        assert expire_offers() == 1
        assert value(scrape(client), "cloud_hospital_pharmacy_offers_expired_total") == before  # not committed yet
        db.session.commit()
        assert expire_offers() == 0
        db.session.commit()
    assert value(scrape(client), "cloud_hospital_pharmacy_offers_expired_total") == before + 1
