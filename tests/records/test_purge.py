"""records.api.purge_patient: the hard delete of a patient's whole record (every version, index, compartment and
departure row), refused while the record was active since the given date, sparing what another patient's record
shares; records.api.dormant_patients: whose record has been inactive since a date. A purge racing a write for the
same patient purges nothing or everything (real concurrent transactions)."""
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core import clock
from core.auth import SYSTEM, Actor
from core.extensions import db
from core.models import AuditEntry
from records import api, compartment_locks
from records.errors import FhirError
from records.models import CompartmentMember, Resource

LONG_AGO = datetime(2005, 3, 1, tzinfo=timezone.utc)
CUTOFF = datetime(2011, 1, 1, tzinfo=timezone.utc)


def _tables():
    return sorted(t for t in db.metadata.tables if t.startswith("fhir_"))


def _counts():
    return {t: db.session.scalar(select(func.count()).select_from(db.metadata.tables[t])) for t in _tables()}


def _record(patient_id, at=LONG_AGO, encounter_end="2005-03-01T10:00:00Z"):
    """A patient with an Encounter, an Observation updated once and a Condition deleted, written at `at`."""
    clock.set_clock(lambda: at)
    try:
        api.update(SYSTEM, "Patient", patient_id, {"resourceType": "Patient", "name": [{"family": "Purge"}]})
        subject = {"reference": f"Patient/{patient_id}"}
        period = {"start": "2005-03-01T09:00:00Z", **({"end": encounter_end} if encounter_end else {})}
        api.create(SYSTEM, {"resourceType": "Encounter", "status": "finished", "subject": subject,
                            "class": {"code": "AMB"}, "period": period})
        obs = api.create(SYSTEM, {"resourceType": "Observation", "status": "final", "subject": subject,
                                  "code": {"text": "bp"}, "valueQuantity": {"value": 120, "unit": "mmHg"}})
        api.update(SYSTEM, "Observation", obs["id"], {**obs, "status": "amended"})
        cond = api.create(SYSTEM, {"resourceType": "Condition", "subject": subject, "code": {"text": "htn"}})
        api.delete(SYSTEM, "Condition", cond["id"])
    finally:
        clock.set_clock(None)
    db.session.commit()


def test_a_purge_leaves_no_row_of_the_patient_in_any_records_table(app):
    with app.app_context():
        _record("keep-1")
        before = _counts()
        _record("gone-1")
        assert _counts() != before
        counts = api.purge_patient(SYSTEM, "gone-1", rule="clinical_records", inactive_before=CUTOFF)
        db.session.commit()
        assert _counts() == before  # every fhir_* table: only keep-1's rows are left
        assert counts["resources"] == 4 and counts["types"] == {"Condition": 1, "Encounter": 1, "Observation": 1,
                                                                "Patient": 1}
        assert counts["versions"] == 6 and counts["kept_shared"] == 0
        with pytest.raises(FhirError) as gone:
            api.read(SYSTEM, "Patient", "gone-1")
        assert gone.value.status == 404  # not 410: nothing of it is left
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "purge")).one()
        assert entry.patient_ref == "Patient/gone-1" and '"rule": "clinical_records"' in entry.detail
        assert "Purge" not in entry.detail and "bp" not in entry.detail  # counts, never content


def test_dormant_patients_are_those_inactive_since_the_date(app):
    with app.app_context():
        _record("old-1")
        _record("recent-1", at=CUTOFF + timedelta(days=1))
        _record("open-1", encounter_end=None)  # an Encounter with no end is ongoing
        _record("edge-1", at=CUTOFF)  # active at the cutoff itself: kept
        assert api.dormant_patients(CUTOFF) == ["old-1"]
        assert api.dormant_patients(CUTOFF, after="old-1") == []


def test_a_purge_refuses_a_record_active_since_the_date_and_changes_nothing(app):
    with app.app_context():
        _record("busy-1")
        api.create(SYSTEM, {"resourceType": "Observation", "status": "final", "code": {"text": "late"},
                            "subject": {"reference": "Patient/busy-1"}})  # written now
        db.session.commit()
        before = _counts()
        with pytest.raises(FhirError) as refused:
            api.purge_patient(SYSTEM, "busy-1", rule="clinical_records", inactive_before=CUTOFF)
        assert refused.value.status == 409
        db.session.rollback()
        assert _counts() == before
        doctor = Actor(user_id="d1", role="doctor", name="doc", practitioner_id="prac-1")
        with pytest.raises(FhirError) as denied:
            api.purge_patient(doctor, "busy-1", rule="clinical_records", inactive_before=CUTOFF)
        assert denied.value.status == 403


def test_a_resource_shared_with_another_patient_stays_in_their_record(app):
    with app.app_context():
        _record("sole-1")
        clock.set_clock(lambda: LONG_AGO)
        shared = api.create(SYSTEM, {"resourceType": "Observation", "status": "final", "code": {"text": "pair"},
                                     "subject": {"reference": "Patient/sole-1"},
                                     "performer": [{"reference": "Patient/other-1"}]})
        clock.set_clock(None)
        db.session.commit()
        counts = api.purge_patient(SYSTEM, "sole-1", rule="clinical_records", inactive_before=CUTOFF)
        db.session.commit()
        assert counts["kept_shared"] == 1
        pk = db.session.scalar(select(Resource.pk).where(Resource.id == shared["id"]))
        assert db.session.scalars(select(CompartmentMember.patient_id).where(
            CompartmentMember.resource_pk == pk)).all() == ["other-1"]
        api.purge_patient(SYSTEM, "other-1", rule="clinical_records", inactive_before=CUTOFF)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Resource)) == 0


@pytest.mark.parametrize("round_", range(4))
def test_a_purge_racing_a_write_for_the_same_patient_purges_nothing_or_everything(app, round_):
    with app.app_context():
        _record("race-1")
        old = set(db.session.execute(select(Resource.resource_type, Resource.id)).all())
    barrier, outcome = threading.Barrier(2), {}

    def purge():
        with app.app_context():
            barrier.wait(timeout=10)
            try:
                api.purge_patient(SYSTEM, "race-1", rule="clinical_records", inactive_before=CUTOFF)
                db.session.commit()
                outcome["purge"] = "done"
            except FhirError as exc:
                db.session.rollback()
                outcome["purge"] = exc.status

    def write():
        with app.app_context():
            barrier.wait(timeout=10)
            try:
                api.create(SYSTEM, {"resourceType": "Observation", "status": "final", "code": {"text": "new"},
                                    "subject": {"reference": "Patient/race-1"}})
                db.session.commit()
                outcome["write"] = "done"
            except FhirError as exc:
                db.session.rollback()
                outcome["write"] = exc.status

    threads = [threading.Thread(target=purge), threading.Thread(target=write)]
    for thread in threads[::1 if round_ % 2 else -1]:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context():
        left = set(db.session.execute(select(Resource.resource_type, Resource.id)).all()) & old
        assert left in (set(), old), outcome  # nothing or everything of the old record
        assert (left == set()) == (outcome["purge"] == "done"), outcome
        assert outcome["write"] in ("done", 409), outcome


def test_a_write_into_a_record_being_purged_is_refused_at_once_on_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite's write lock serialises the purge and the write instead")
    held, release = threading.Event(), threading.Event()

    def purging():
        with app.app_context():
            compartment_locks.take("locked-1")
            held.set()
            release.wait(timeout=30)
            db.session.rollback()

    thread = threading.Thread(target=purging)
    thread.start()
    try:
        assert held.wait(timeout=10)
        with app.app_context():
            with pytest.raises(FhirError) as refused:
                api.create(SYSTEM, {"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                                    "subject": {"reference": "Patient/locked-1"}})
            assert refused.value.status == 409 and "being purged" in refused.value.diagnostics
            db.session.rollback()
            api.create(SYSTEM, {"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                                "subject": {"reference": "Patient/other-2"}})  # other patients are not held up
            db.session.rollback()
    finally:
        release.set()
        thread.join(timeout=30)


def test_a_record_deleted_whole_is_still_found_and_purged(app):
    with app.app_context():
        before = _counts()
        _record("deleted-1")
        clock.set_clock(lambda: LONG_AGO)
        for rtype in ("Encounter", "Observation", "Patient"):
            for resource in api.search(SYSTEM, rtype, [("_count", "50")]).resources:
                api.delete(SYSTEM, rtype, resource["id"])
        clock.set_clock(None)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(CompartmentMember)) == 0
        assert api.dormant_patients(CUTOFF) == ["deleted-1"]
        api.purge_patient(SYSTEM, "deleted-1", rule="clinical_records", inactive_before=CUTOFF)
        db.session.commit()
        assert _counts() == before
