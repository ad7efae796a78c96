"""The records service API: every public function is audited; domains only reach records through it."""
import ast
import inspect
from pathlib import Path

import pytest

from core.audit import UnauditedAccess, audited
from core.auth import SYSTEM
from records import api

ROOT = Path(__file__).resolve().parents[2]


def public_functions():
    return [(name, fn) for name, fn in inspect.getmembers(api, inspect.isfunction)
            if not name.startswith("_") and fn.__module__ in (api.__name__, "records.api_bulk")]


def test_every_public_function_is_audited():
    functions = public_functions()
    assert {"create", "read", "read_reference", "update", "delete", "search", "history", "transaction",
            "everything"} <= {name for name, _ in functions}
    assert [name for name, fn in functions if not getattr(fn, "__audited__", None)] == []


def test_audited_refuses_a_silent_return():
    @audited("read")
    def silent():
        return 1

    with pytest.raises(UnauditedAccess):
        silent()


def test_system_actor_is_audited(app):
    from sqlalchemy import select

    from core.extensions import db
    from core.models import AuditEntry

    with app.app_context():
        saved = api.create(SYSTEM, {"resourceType": "Organization", "name": "Cloud Hospital"})
        row = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (row.role, row.action, row.entity) == ("system", "create", f"Organization/{saved['id']}")
        db.session.rollback()


def test_no_other_domain_imports_records_internals():
    """clinic and pharmacy use records.api only; core never imports records."""
    allowed = {"records.api"}
    offenders = []
    for package in ("clinic", "pharmacy", "core"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else \
                    [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module == "records":
                    names = [f"records.{a.name}" for a in node.names]
                offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names
                              if n and n.startswith("records") and (package == "core" or n not in allowed)]
    assert offenders == []


def test_read_reference_and_everything_are_audited(app):
    from sqlalchemy import select

    from core.extensions import db
    from core.models import AuditEntry

    with app.app_context():
        patient = api.create(SYSTEM, {"resourceType": "Patient", "name": [{"text": "王芳"}]})
        assert api.read_reference(SYSTEM, f"Patient/{patient['id']}")["id"] == patient["id"]
        assert api.read_reference(SYSTEM, f"Patient/{patient['id']}/_history/1")["id"] == patient["id"]
        assert api.everything(SYSTEM, patient["id"]).resources[0]["id"] == patient["id"]
        actions = [row.action for row in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions[-4:] == ["create", "read", "vread", "everything"]
        db.session.rollback()


def test_a_create_validates_its_resource_once_and_still_refuses_an_invalid_one(app, monkeypatch):
    from core.extensions import db
    from records import store
    from records.errors import FhirError

    calls = []
    real = store.validate_resource
    monkeypatch.setattr(store, "validate_resource", lambda *a, **k: calls.append(1) or real(*a, **k))
    with app.app_context():
        saved = api.create(SYSTEM, {"resourceType": "Patient", "gender": "female"})
        assert (saved["gender"], saved["meta"]["versionId"], len(calls)) == ("female", "1", 1)
        with pytest.raises(FhirError) as refused:
            api.create(SYSTEM, {"resourceType": "Patient", "gender": "none-of-these"})
        assert refused.value.status == 400
        db.session.rollback()
