"""records.api.upsert_many: the bulk PUT of derived views and seeds (create new, update changed, skip
unchanged, index everything, one audit entry); existing_ids: which ids a bulk loader has written."""
import pytest
from sqlalchemy import func, select

from core.auth import SYSTEM, Actor
from core.extensions import db
from core.models import AuditEntry
from records import api
from records.errors import FhirError


def _slot(n, status="free"):
    return {"resourceType": "Slot", "id": f"bulk-slot-{n}", "schedule": {"reference": "Schedule/bulk"},
            "status": status, "start": f"2026-12-0{n}T01:00:00+00:00", "end": f"2026-12-0{n}T01:30:00+00:00"}


def test_upsert_many_creates_updates_and_skips_with_one_audit_entry_and_searchable_rows(app):
    with app.app_context():
        assert api.upsert_many(SYSTEM, [_slot(1), _slot(2), _slot(3)]) == (3, 0)
        audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
        assert api.upsert_many(SYSTEM, [_slot(1), _slot(2, "busy"), _slot(4)]) == (1, 1)
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits + 1
        assert api.read(SYSTEM, "Slot", "bulk-slot-1")["meta"]["versionId"] == "1"
        assert api.read(SYSTEM, "Slot", "bulk-slot-2")["meta"]["versionId"] == "2"
        busy = api.search(SYSTEM, "Slot", [("status", "busy")]).resources
        assert [r["id"] for r in busy] == ["bulk-slot-2"]
        assert api.existing_ids(SYSTEM, "Slot", ["bulk-slot-4", "bulk-slot-9"]) == {"bulk-slot-4"}
        db.session.commit()


def test_upsert_many_refuses_a_batch_with_an_invalid_resource_and_writes_none_of_it(app):
    with app.app_context():
        with pytest.raises(FhirError):
            api.upsert_many(SYSTEM, [_slot(1), {**_slot(2), "start": "not a date"}])
        with pytest.raises(FhirError):
            api.upsert_many(SYSTEM, [{k: v for k, v in _slot(3).items() if k != "id"}])
        assert api.existing_ids(SYSTEM, "Slot", ["bulk-slot-1", "bulk-slot-3"]) == set()


def test_only_the_system_and_admins_probe_ids_in_bulk(app):
    with app.app_context():
        patient = Actor(user_id="u1", role="patient", patient_id="p1")
        with pytest.raises(FhirError) as refused:
            api.existing_ids(patient, "Patient", ["p1", "p2"])
        assert refused.value.status == 403
