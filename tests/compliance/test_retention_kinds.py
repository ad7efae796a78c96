"""Retention of clinical records (the whole FHIR record purged through records), payment records (anonymised,
the books kept whole) and operational logs, over seeded data one day either side of each period: a dry run
changes nothing, a real one removes exactly what is past and under no hold, and a hold keeps a record from the
purge by any path."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from billing.models import Charge, LedgerLine, Notification, Payment, Refund
from clinic.consult import Consultation
from compliance.models import Delivery, FeedEntry, PushEndpoint
from core import clock
from core.auth import SYSTEM
from core.extensions import db
from records import api as records
from records.errors import FhirError
from tests.clinic.consult.helpers import make_room

NOW = datetime(2042, 6, 15, 12, tzinfo=timezone.utc)
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.set_clock(lambda: NOW)
    yield
    clock.set_clock(None)


def _at(when, fn, *args):
    clock.set_clock(lambda: when)
    try:
        return fn(*args)
    finally:
        clock.set_clock(lambda: NOW)


def _record(patient_id, when):
    """A Patient, an Encounter ending at `when` and an Observation, all written at `when`."""
    def write():
        records.update(SYSTEM, "Patient", patient_id, {"resourceType": "Patient", "name": [{"family": "Kept"}]})
        subject = {"reference": f"Patient/{patient_id}"}
        end = when.isoformat().replace("+00:00", "Z")
        records.create(SYSTEM, {"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"},
                                "subject": subject, "period": {"start": end, "end": end}})
        records.create(SYSTEM, {"resourceType": "Observation", "status": "final", "code": {"text": "bp"},
                                "subject": subject})
    _at(when, write)
    db.session.commit()


def _fhir_counts():
    return {name: db.session.scalar(select(func.count()).select_from(table))
            for name, table in sorted(db.metadata.tables.items()) if name.startswith("fhir_")}


def _run(client, admin, dry_run):
    r = client.post("/api/v1/retention/runs", json={"dry_run": dry_run}, headers=admin)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["report"]


def _hold(client, admin, patient_id):
    r = client.post("/api/v1/holds", json={"target_type": "Patient", "target_id": patient_id, "reason": "case"},
                    headers=admin)
    assert r.status_code == 201, r.get_json()


def test_clinical_records_past_fifteen_years_are_purged_whole_and_nothing_else(app, client, world):
    cutoff = NOW - timedelta(days=5479)
    room_id = make_room(app)
    with app.app_context():
        _record("p-within", cutoff + DAY)
        _record("p-held", cutoff - 30 * DAY)
        _record("p-visit", cutoff - DAY)  # an old record, but a consultation ended within the period
        db.session.add(Consultation(id="c-visit", room_id=room_id, patient_id="p-visit", patient_user_id="u1",
                                    doctor_user_id="doc", status="closed", invited_at=cutoff + DAY,
                                    ended_at=cutoff + DAY))
        db.session.commit()
        without_past = _fhir_counts()
        _record("p-past", cutoff - DAY)
        db.session.add(Consultation(id="c-past", room_id=room_id, patient_id="p-past", patient_user_id="u2",
                                    doctor_user_id="doc", status="closed", invited_at=cutoff - DAY,
                                    ended_at=cutoff - DAY, reason="I10 hypertension, dizzy"))
        db.session.commit()
        before = _fhir_counts()
    admin = world.admin
    _hold(client, admin, "p-held")

    dry = _run(client, admin, True)
    assert dry["clinical_records"] == {**dry["clinical_records"], "eligible": 2, "held": 1, "removed": 0}
    with app.app_context():
        assert _fhir_counts() == before  # a dry run changes nothing

    report = _run(client, admin, False)
    assert report["clinical_records"] == {**report["clinical_records"], "eligible": 2, "held": 1, "removed": 1}
    with app.app_context():
        assert _fhir_counts() == without_past  # every records table: nothing of p-past is left
        assert db.session.get(Consultation, "c-past").reason is None  # the visit's fact stays, its text goes
        for kept in ("p-within", "p-held", "p-visit"):
            assert records.read(SYSTEM, "Patient", kept)["id"] == kept
        with pytest.raises(FhirError) as held:  # any path: records itself refuses the held record
            records.purge_patient(SYSTEM, "p-held", rule="clinical_records", inactive_before=NOW)
        assert held.value.status == 409 and "legal hold" in held.value.diagnostics
        db.session.rollback()


def test_an_erasure_request_purges_the_record_once_the_legal_minimum_allows(app, client, world):
    cutoff = NOW - timedelta(days=5479)
    with app.app_context():
        _record("p-erase", cutoff - DAY)
    admin = world.admin
    assert client.put("/api/v1/retention/rules/clinical_records", json={"period_days": 9000},
                      headers=admin).status_code == 200
    assert client.post("/api/v1/retention/erasure-requests", json={"patient_id": "p-erase"},
                       headers=admin).status_code == 201
    report = _run(client, admin, False)
    assert report["clinical_records"]["removed"] == 0  # the hospital keeps its records 9000 days
    assert report["erasure_requests"][0]["erased"]["clinical_records"] == 1  # the patient asked: 15 years
    with app.app_context():
        assert _fhir_counts()["fhir_resources"] == 0


def _charge(charge_id, patient_id, created_at, status="paid"):
    db.session.add(Charge(id=charge_id, patient_id=patient_id, user_id="u-pay", source_ref=f"Appointment/{charge_id}",
                          payee_kind="institution", payee_id="inst-1", amount_fen=5000,
                          paid_fen=5000 if status != "pending" else 0, status=status, created_at=created_at,
                          closed_reason="patient said: bad back"))
    db.session.flush()
    db.session.add(Payment(id=f"pay-{charge_id}", charge_id=charge_id, provider="sandbox",
                           provider_ref=f"ref-{charge_id}", amount_fen=5000, status="succeeded",
                           intent='{"qr": "weixin://pay"}', created_at=created_at))
    db.session.flush()
    db.session.add(Refund(charge_id=charge_id, payment_id=f"pay-{charge_id}", amount_fen=100, rule="goodwill",
                          reason="patient said: bad back", status="succeeded", requested_by="u-pay",
                          created_at=created_at))
    db.session.add_all([LedgerLine(journal_id=f"j-{charge_id}", account="provider:sandbox", amount_fen=5000,
                                   charge_id=charge_id, memo="payment", posted_at=created_at),
                        LedgerLine(journal_id=f"j-{charge_id}", account="payee:inst-1", amount_fen=-5000,
                                   charge_id=charge_id, memo="payment", posted_at=created_at)])


def test_payment_records_are_anonymised_after_thirty_closed_years_and_the_books_stay_whole(app, client, world):
    # cutoff = NOW - 10958 days = 2012-06-14: charges of 2011 and before are past (their year closed 2011-12-31,
    # Asia/Shanghai), 2012's are not.
    year_start = datetime(2011, 12, 31, 16, tzinfo=timezone.utc)  # 2012-01-01 00:00 in Shanghai
    with app.app_context():
        records.update(SYSTEM, "Patient", "p-payheld", {"resourceType": "Patient"})
        _charge("c-old", "p-pay", year_start - DAY)
        _charge("c-new", "p-pay", year_start + DAY)
        _charge("c-open", "p-pay", year_start - 400 * DAY, status="pending")
        _charge("c-held", "p-payheld", year_start - DAY)
        db.session.commit()
        books = db.session.execute(select(LedgerLine.account, func.sum(LedgerLine.amount_fen))
                                   .group_by(LedgerLine.account).order_by(LedgerLine.account)).all()
    admin = world.admin
    _hold(client, admin, "p-payheld")
    dry = _run(client, admin, True)
    assert dry["payment_records"] == {**dry["payment_records"], "eligible": 2, "held": 1, "removed": 0,
                                      "action": "anonymise"}
    report = _run(client, admin, False)
    assert report["payment_records"]["removed"] == 1
    with app.app_context():
        old = db.session.get(Charge, "c-old")
        assert (old.patient_id, old.user_id, old.source_ref, old.closed_reason) == (
            "anonymised", None, "anonymised:c-old", None)
        assert (old.amount_fen, old.paid_fen, old.refunded_fen, old.status) == (5000, 5000, 0, "paid")
        assert db.session.get(Payment, "pay-c-old").intent is None
        assert db.session.get(Payment, "pay-c-old").provider_ref == "ref-c-old"  # matches the provider's books
        refund = db.session.scalars(select(Refund).where(Refund.charge_id == "c-old")).one()
        assert (refund.reason, refund.requested_by, refund.amount_fen) == (None, None, 100)
        for kept in ("c-new", "c-open", "c-held"):
            assert db.session.get(Charge, kept).patient_id != "anonymised"
            assert db.session.get(Payment, f"pay-{kept}").intent is not None
        assert db.session.execute(select(LedgerLine.account, func.sum(LedgerLine.amount_fen))
                                  .group_by(LedgerLine.account).order_by(LedgerLine.account)).all() == books
    again = _run(client, admin, False)
    assert again["payment_records"]["removed"] == 0 and again["payment_records"]["eligible"] == 1  # the held one


def test_operational_logs_go_after_their_period_except_what_a_hold_keeps(app, client, world):
    cutoff = NOW - timedelta(days=366)
    with app.app_context():
        records.update(SYSTEM, "Patient", "p-logheld", {"resourceType": "Patient"})
        endpoint = PushEndpoint(url="https://receiver.example/feed", secret_sealed=b"sealed")
        db.session.add(endpoint)
        db.session.flush()
        for n, (patient, delivered) in enumerate((("p-log", cutoff - DAY), ("p-log", cutoff + DAY),
                                                  ("p-logheld", cutoff - DAY)), start=1):
            db.session.add(FeedEntry(id=n, trace_id=f"t{n}", trace_seq=1, kind="consultation", subject="X/1",
                                     patient_ref=f"Patient/{patient}", actor_role="doctor", occurred_at=delivered,
                                     payload="{}"))
            db.session.flush()
            db.session.add(Delivery(endpoint_id=endpoint.id, entry_id=n, trace_id=f"t{n}", status="delivered",
                                    delivered_at=delivered))
        db.session.add_all([Notification(provider="sandbox", notify_id="n-old", event="paid", outcome="applied",
                                         received_at=cutoff - DAY),
                            Notification(provider="sandbox", notify_id="n-new", event="paid", outcome="applied",
                                         received_at=cutoff + DAY)])
        db.session.commit()
    admin = world.admin
    _hold(client, admin, "p-logheld")
    dry = _run(client, admin, True)
    assert dry["operational_logs"] == {**dry["operational_logs"], "eligible": 3, "held": 1, "removed": 0}
    report = _run(client, admin, False)
    assert report["operational_logs"]["removed"] == 2
    with app.app_context():
        assert sorted(db.session.scalars(select(Delivery.entry_id))) == [2, 3]
        assert db.session.scalars(select(Notification.notify_id)).all() == ["n-new"]
        assert db.session.scalar(select(func.count()).select_from(FeedEntry)) == 3  # the feed is the record
    rules = {r["kind"]: r for r in client.get("/api/v1/retention/rules", headers=admin).get_json()["items"]}
    assert rules["operational_logs"]["minimum_days"] >= 183 and rules["payment_records"]["minimum_days"] >= 30 * 365
    r = client.put("/api/v1/retention/rules/operational_logs", json={"period_days": 90}, headers=admin)
    assert r.status_code == 422 and r.get_json()["code"] == "below_legal_minimum"
