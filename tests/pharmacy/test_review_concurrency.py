"""Reviewers deciding at once, with real concurrent clients (threads over HTTP against the live server).

Defined outcomes: of many simultaneous decisions on one flag exactly one is recorded (changed=true); every
other answer is the idempotent 200 of the same decision or a clean 409 naming the recorded one, never a
lost or overwritten decision. Approvals racing flag decisions never approve a prescription with an
undecided flag: an approval either sees every flag decided (200) or answers 409 flags_undecided.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select

from core.extensions import db
from pharmacy.models import Prescription, ReviewFlag
from tests.pharmacy.conftest import AMLODIPINE

pytestmark = [pytest.mark.live, pytest.mark.slow]
TOO_MUCH = {**AMLODIPINE, "dose": "10 mg", "frequency": "twice daily"}  # flag: above the 10 mg daily maximum
NIFEDIPINE = {"code": "C08CA05", "dose": "30 mg", "frequency": "once daily", "route": "oral", "quantity": 28,
              "days_supply": 28}


def _all_at_once(calls):
    """POST every (url, body, headers) at once (a barrier releases the threads together); the answers in order."""
    barrier = threading.Barrier(len(calls))

    def shoot(call):
        url, body, headers = call
        session = requests.Session()
        barrier.wait(timeout=30)
        response = session.post(url, json=body, headers=headers, timeout=120)
        return response.status_code, response.headers.get("Content-Type", ""), response.json()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(shoot, calls))


def _assert_clean(results):
    for status, content_type, body in results:
        assert status < 500, body
        if status >= 400:
            assert content_type.startswith("application/problem+json") and body["code"], body


def _reviewers(world, n):
    return [world.reviewer] + [world.pharmacist("platform") for _ in range(n - 1)]


def test_simultaneous_contrary_decisions_record_exactly_one(app, live_server, world):
    reviewers = _reviewers(world, 4)
    patient_id, _ = world.patient()
    pid = world.prescribe(world.doctor(), patient_id, items=(TOO_MUCH,))["id"]
    url = f"{live_server.url}/api/v1/prescriptions/{pid}/review/flags/1"
    bodies = [{"decision": "override", "reason": f"checked by reviewer {i}"} if i % 2 else {"decision": "uphold"}
              for i in range(20)]
    results = _all_at_once([(url, body, reviewers[i % 4]) for i, body in enumerate(bodies)])
    _assert_clean(results)
    recorded = [body["flag"]["decision"] for status, _, body in results if status == 200 and body["changed"]]
    assert len(recorded) == 1
    winner = recorded[0]["decision"]
    for status, _, body in results:
        if status == 200:
            assert body["flag"]["decision"] == recorded[0]  # the same decision, as first recorded
        else:
            assert status == 409 and body["code"] == "flag_already_decided" and body["decision"] == winner
    with app.app_context():
        flag = db.session.scalar(select(ReviewFlag).where(ReviewFlag.prescription_id == pid))
        assert (flag.decision, flag.decision_reason, flag.decided_by) == (
            winner, recorded[0]["reason"], recorded[0]["decided_by"])


def test_approvals_racing_decisions_never_approve_with_an_undecided_flag(app, live_server, world):
    reviewers = _reviewers(world, 3)
    for round_ in range(3):
        patient_id, _ = world.patient()
        world.approved(patient_id)  # amlodipine is now a current medicine: nifedipine duplicates it
        pid = world.prescribe(world.doctor(), patient_id, items=({**NIFEDIPINE, "dose": "60 mg",
                                                                  "frequency": "twice daily"},))["id"]
        assert world.review_item(pid)["undecided"] == [1, 2]
        base = f"{live_server.url}/api/v1/prescriptions/{pid}/review"
        calls = [(f"{base}/flags/{n}", {"decision": "override", "reason": "cardiologist's plan"}, reviewers[n])
                 for n in (1, 2)]
        calls += [(base, {"decision": "approve"}, reviewers[i % 3]) for i in range(10)]
        results = _all_at_once(calls)
        _assert_clean(results)
        assert [r[0] for r in results[:2]] == [200, 200]  # both decisions recorded, none lost
        approvals = results[2:]
        assert all(s == 200 or (s == 409 and b["code"] == "flags_undecided") for s, _, b in approvals), approvals
        with app.app_context():
            prescription = db.session.get(Prescription, pid)
            flags = db.session.scalars(select(ReviewFlag).where(ReviewFlag.prescription_id == pid)).all()
            assert all(f.decision == "overridden" for f in flags)
            if prescription.status == "approved":  # approved only after both decisions were committed
                assert all(f.decided_at <= prescription.reviewed_at for f in flags)
            else:
                assert prescription.status == "pending_review" and all(s == 409 for s, _, _ in approvals)
        print(f"round {round_}: {sum(1 for s, _, _ in approvals if s == 200)} approvals answered 200")
