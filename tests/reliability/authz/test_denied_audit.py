"""Refused app-API accesses to another party's existing object leave a "denied" audit entry (actor, action,
object, reason) while the answer stays what it was: a 404 is the same 404 as for an id that does not
exist, so the entry is the only trace. An id that does not exist leaves no denied entry (no patient's data
was touched). The owner's own access still leaves its success entry."""
import json

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry

MISSING = "0" * 32

# (role, method, path, body, status, action, entity): every path names one of A's objects (or pharmacy 1).
CASES = [
    ("pb", "GET", "/api/v1/appointments/{appointment_id}", None, 404, "read", "Appointment/{appointment_id}"),
    ("d2", "GET", "/api/v1/appointments/{appointment_id}/queue", None, 404, "read", "Appointment/{appointment_id}"),
    ("pb", "POST", "/api/v1/appointments/{appointment_id}/cancel", None, 404, "update",
     "Appointment/{appointment_id}"),
    ("p1", "POST", "/api/v1/appointments/{appointment_id}/reschedule", {"slot_id": "{spare_slot_id}"}, 404,
     "update", "Appointment/{appointment_id}"),
    ("d2", "POST", "/api/v1/appointments/{appointment_id}/call", None, 404, "update",
     "Appointment/{appointment_id}"),
    ("d1", "POST", "/api/v1/appointments/{appointment_id}/check-in", None, 403, "update",
     "Appointment/{appointment_id}"),
    ("pb", "POST", "/api/v1/waitlist/{entry_id}/cancel", None, 404, "update", "WaitlistEntry/{entry_id}"),
    ("pb", "POST", "/api/v1/waitlist/{entry_id}/accept", {"channel": "app"}, 404, "update",
     "WaitlistEntry/{entry_id}"),
    ("pb", "POST", "/api/v1/notifications/{notification_id}/read", None, 404, "update",
     "Notification/{notification_id}"),
    ("p2", "GET", "/api/v1/pharmacies/{pharmacy_id}/stock", None, 404, "read", "Pharmacy/{pharmacy_id}"),
    ("p2", "PUT", "/api/v1/pharmacies/{pharmacy_id}/stock", {"items": [{"code": "C08CA01", "on_hand": 1}]}, 404,
     "update", "Pharmacy/{pharmacy_id}"),
    ("pb", "POST", "/api/v1/consents/{consent_id}/revoke", None, 404, "update", "Consent/{consent_id}"),
    ("d2", "POST", "/api/v1/eligibility", {"checkpoint": "book_online", "patient_id": "{patient_id}"}, 403,
     "risk-evaluate", "RiskDecision"),
]
ROLE_NAMES = {"pb": "patient", "d1": "doctor", "d2": "doctor", "p1": "pharmacist", "p2": "pharmacist"}
# The paths whose object is a patient's: their denied entry names that patient.
NO_PATIENT = ("Pharmacy/",)


def _fill(value, ids):
    if isinstance(value, str):
        for key, found in ids.items():
            value = value.replace("{" + key + "}", str(found))
        return value
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _entries(app, response):
    with app.app_context():
        return db.session.scalars(select(AuditEntry).where(
            AuditEntry.request_id == response.headers["X-Request-ID"])).all()


def _call(world, role, method, path, body):
    return world.client.open(path, method=method, json=body, headers=world.headers[role])


def _problem(response):
    """The problem document without its request id (which differs per request)."""
    document = response.get_json()
    document.pop("request_id", None)
    document.pop("instance", None)
    return document


@pytest.mark.parametrize("role, method, path, body, status, action, entity", CASES,
                         ids=[f"{c[0]}:{c[1]} {c[2]}" for c in CASES])
def test_a_refused_access_to_another_partys_object_is_audited_as_denied(app, world, role, method, path, body,
                                                                         status, action, entity):
    url, body, entity = _fill(path, world.ids), _fill(body, world.ids), _fill(entity, world.ids)
    response = _call(world, role, method, url, body)
    assert response.status_code == status, response.get_json()
    if status == 404 and "{" in path:
        # The same answer as for an id that does not exist: the refusal does not confirm the object.
        missing_url = path.split("{")[0] + MISSING + path.split("}", 1)[1]
        missing = _call(world, role, method, _fill(missing_url, world.ids), body)
        assert (missing.status_code, _problem(missing)) == (404, _problem(response))
        assert not [e for e in _entries(app, missing) if e.outcome == "denied"], "a missing id is no denial"
    denied = [e for e in _entries(app, response) if e.outcome == "denied"]
    assert len(denied) == 1, [(e.action, e.entity, e.outcome) for e in _entries(app, response)]
    entry = denied[0]
    assert (entry.role, entry.action, entry.entity) == (ROLE_NAMES[role], action, entity)
    assert entry.user_id and entry.user_id != world.markers["pa"][1]
    if role == "pb":
        assert entry.user_id == world.markers["pb"][1]
    assert json.loads(entry.detail)["reason"]
    if entity.startswith(NO_PATIENT):
        assert entry.patient_ref is None
    else:
        assert entry.patient_ref == f"Patient/{world.ids['patient_id']}"


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/api/v1/appointments/{appointment_id}", None),
    ("GET", "/api/v1/appointments/{appointment_id}/queue", None),
    ("POST", "/api/v1/eligibility", {"checkpoint": "book_online", "patient_id": "{patient_id}"}),
])
def test_the_owners_access_still_leaves_its_success_entry(app, world, method, path, body):
    response = _call(world, "pa", method, _fill(path, world.ids), _fill(body, world.ids))
    assert response.status_code == 200, response.get_json()
    outcomes = [e.outcome for e in _entries(app, response)]
    assert "success" in outcomes and "denied" not in outcomes, outcomes


def test_the_denied_entry_survives_the_requests_rollback(app, world):
    """The refusal rolls the request back; the denied entry is committed all the same (core.audit)."""
    url = _fill("/api/v1/appointments/{appointment_id}/cancel", world.ids)
    response = _call(world, "pb", "POST", url, None)
    assert response.status_code == 404
    with app.app_context():
        db.session.rollback()
        assert db.session.scalar(select(AuditEntry.outcome).where(
            AuditEntry.request_id == response.headers["X-Request-ID"])) == "denied"
