"""The kernel audit trail: entries are written, survive a failed request, and @audited is enforced."""
import pytest
from flask import Blueprint
from sqlalchemy import select

from core.audit import UnauditedAccess, audited, record_access
from core.auth import Actor
from core.errors import ApiError
from core.extensions import db
from core.models import AuditEntry

DOCTOR = Actor("u-doc", "doctor", "Dr", practitioner_id="p1")


@audited("read")
def read_with_audit(actor):
    record_access(actor, "read", entity="Observation/1", patient_ref="Patient/9")
    return "data"


@audited("read")
def read_without_audit(actor):
    return "data"


def test_audited_service_functions_must_leave_an_entry(app):
    with app.app_context():
        assert read_with_audit(DOCTOR) == "data"
        with pytest.raises(UnauditedAccess, match="read_without_audit"):
            read_without_audit(DOCTOR)
        db.session.rollback()


def test_denied_access_is_kept_although_the_request_rolls_back(make_app):
    other = make_app()
    probe = Blueprint("probe", __name__)

    @probe.get("/api/v1/probe")
    def denied():
        record_access(DOCTOR, "read", entity="Patient/7", patient_ref="Patient/7", outcome="denied")
        raise ApiError(403, "forbidden", "No care relationship.")

    other.register_blueprint(probe)
    response = other.test_client().get("/api/v1/probe", headers={"X-Request-ID": "probe-request-1"})
    assert response.status_code == 403
    with other.app_context():
        entry = db.session.scalars(select(AuditEntry)).one()
        assert (entry.user_id, entry.action, entry.entity, entry.outcome, entry.request_id) == (
            "u-doc", "read", "Patient/7", "denied", "probe-request-1")
        assert entry.address == "127.0.0.1" and entry.at is not None


def test_unknown_outcome_is_a_programming_error(app):
    with app.app_context(), pytest.raises(ValueError):
        record_access(DOCTOR, "read", outcome="maybe")


def test_success_entries_roll_back_with_a_failed_request(make_app):
    other = make_app()
    probe = Blueprint("probe2", __name__)

    @probe.post("/api/v1/probe2")
    def half_done():
        record_access(DOCTOR, "create", entity="Observation/1", patient_ref="Patient/7")
        raise ApiError(409, "conflict", "Later step failed.")

    other.register_blueprint(probe)
    assert other.test_client().post("/api/v1/probe2").status_code == 409
    with other.app_context():
        assert db.session.scalars(select(AuditEntry)).all() == []


def test_a_success_entry_commits_and_rolls_back_with_its_transaction_and_savepoint(app):
    """On PostgreSQL the entry is a Core INSERT run at once: it must still share its work's fate."""
    with app.app_context():
        record_access(DOCTOR, "create", entity="Observation/kept", patient_ref="Patient/9")
        savepoint = db.session.begin_nested()
        record_access(DOCTOR, "create", entity="Observation/undone-savepoint", patient_ref="Patient/9")
        savepoint.rollback()
        db.session.commit()
        record_access(DOCTOR, "create", entity="Observation/undone-transaction", patient_ref="Patient/9")
        db.session.rollback()
        entities = db.session.scalars(select(AuditEntry.entity).where(AuditEntry.user_id == "u-doc")).all()
    assert entities == ["Observation/kept"]
