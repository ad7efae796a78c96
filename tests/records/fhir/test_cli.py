"""`flask records import` / `export`: idempotent imports of Bundles and NDJSON, NDJSON export."""
import json

from sqlalchemy import func, select

from core.extensions import db
from records.models import Resource

URN_PATIENT = "urn:uuid:7d3a1c52-8f2b-4c11-9b0e-2a6f4e9d1c01"


def stored_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Resource).where(Resource.deleted.is_(False)))


def write_inputs(folder):
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": URN_PATIENT, "resource": {"resourceType": "Patient", "name": [{"text": "王芳"}]},
         "request": {"method": "POST", "url": "Patient"}},
        {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "HR"},
                      "subject": {"reference": URN_PATIENT}}, "request": {"method": "POST", "url": "Observation"}},
    ]}
    (folder / "bundle.json").write_text(json.dumps(bundle))
    lines = [{"resourceType": "Organization", "id": "org-1", "name": "Cloud Hospital"},
             {"resourceType": "Practitioner", "identifier": [{"system": "urn:license", "value": "D-1"}]},
             {"resourceType": "Observation", "status": "bogus-status-but-valid-code", "code": {"text": "x"},
              "bogusElement": 1}]
    (folder / "more.ndjson").write_text("\n".join(json.dumps(line) for line in lines) + "\n")


def test_import_twice_creates_nothing_twice(app, runner, tmp_path):
    write_inputs(tmp_path)
    first = runner.invoke(args=["records", "import", str(tmp_path)])
    assert "created=4 updated=0 unchanged=0 failed=1" in first.output, first.output
    assert stored_count(app) == 4
    again = runner.invoke(args=["records", "import", str(tmp_path)])
    assert "created=0 updated=0 unchanged=4 failed=1" in again.output, again.output
    assert stored_count(app) == 4


def test_import_resolves_urn_uuid_references(app, runner, tmp_path):
    write_inputs(tmp_path)
    runner.invoke(args=["records", "import", str(tmp_path / "bundle.json")])
    from core.auth import SYSTEM
    from records import api

    with app.app_context():
        obs = api.search(SYSTEM, "Observation", []).resources[0]
        assert obs["subject"]["reference"] == "Patient/" + URN_PATIENT.split(":")[-1]
        db.session.rollback()


def test_export_writes_ndjson_per_type(app, runner, tmp_path):
    write_inputs(tmp_path)
    runner.invoke(args=["records", "import", str(tmp_path)])
    out = tmp_path / "out"
    result = runner.invoke(args=["records", "export", "--type", "Organization", "--type", "Patient", "--out", str(out)])
    assert result.exit_code == 0, result.output
    organizations = [json.loads(line) for line in (out / "Organization.ndjson").read_text().splitlines()]
    assert [o["id"] for o in organizations] == ["org-1"]
    assert len((out / "Patient.ndjson").read_text().splitlines()) == 1
