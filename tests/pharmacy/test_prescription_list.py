"""Listing prescriptions: a doctor sees those they issued, a patient their own, newest first, filtered by
consultation, patient and status, paged; each list is one audited search; others are refused."""
import itertools
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core import clock
from core.extensions import db
from core.models import AuditEntry
from tests.pharmacy.conftest import AMLODIPINE, METFORMIN


@pytest.fixture(autouse=True)
def ticking_clock():
    """A minute between prescriptions: issue times are kept to the second, and the list is newest first."""
    minutes = itertools.count()
    start = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
    clock.set_clock(lambda: start + timedelta(minutes=next(minutes)))
    yield
    clock.set_clock(None)


def _list(client, headers, query=""):
    r = client.get(f"/api/v1/prescriptions{query}", headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_doctors_list_what_they_issued_and_patients_their_own(app, client, world):
    doctor, other_doctor = world.doctor("prac-1"), world.doctor("prac-2")
    (alice, alice_h), (bob, _) = world.patient(), world.patient()
    first = world.prescribe(doctor, alice)
    second = world.prescribe(doctor, bob, items=(METFORMIN,))
    third = world.prescribe(other_doctor, alice, practitioner_id="prac-2")

    mine = _list(client, doctor)
    assert [p["id"] for p in mine["items"]] == [second["id"], first["id"]]  # newest first
    assert mine["items"][0]["items"][0]["code"] == "A10BA02"
    assert [p["id"] for p in _list(client, doctor, f"?patient_id={alice}")["items"]] == [first["id"]]
    assert [p["id"] for p in _list(client, doctor, f"?consultation_id={first['consultation_id']}")["items"]] \
        == [first["id"]]
    assert _list(client, doctor, "?status=approved")["items"] == []
    assert [p["id"] for p in _list(client, alice_h)["items"]] == [third["id"], first["id"]]
    assert _list(client, alice_h, f"?patient_id={bob}")["items"] == []  # never another patient's
    with app.app_context():
        searches = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "search",
                                                               AuditEntry.entity.like("Prescription?%"))).all()
        assert any(e.patient_ref == f"Patient/{alice}" and e.entity == f"Prescription?patient_id={alice}"
                   for e in searches)


def test_the_list_pages_with_a_cursor(client, world):
    doctor = world.doctor()
    patient, _ = world.patient()
    issued = [world.prescribe(doctor, patient, items=(item,))["id"] for item in (AMLODIPINE, METFORMIN, AMLODIPINE)]
    page = _list(client, doctor, "?limit=2")
    assert len(page["items"]) == 2 and page["next"]
    rest = client.get(page["next"], headers=doctor).get_json()
    assert [p["id"] for p in page["items"] + rest["items"]] == issued[::-1] and rest["next"] is None


def test_others_cannot_list_and_bad_filters_are_refused(client, world):
    r = client.get("/api/v1/prescriptions", headers=world.reviewer)
    assert r.status_code == 403
    assert client.get("/api/v1/prescriptions").status_code == 401
    doctor = world.doctor()
    for query in ("?status=lost", "?consultation_id=a/b", "?patient_id=" + "x" * 65):
        assert client.get(f"/api/v1/prescriptions{query}", headers=doctor).status_code == 422, query
    assert client.get("/api/v1/prescriptions?consultation_id=%00x", headers=doctor).status_code == 400  # NUL
