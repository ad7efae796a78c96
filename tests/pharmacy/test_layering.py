"""pharmacy sits between clinic and records: it never imports clinic, cloud_hospital, or another domain's
models; records only through records.api; pure modules import no Flask."""
import ast
from pathlib import Path

import pharmacy

ROOT = Path(pharmacy.__file__).resolve().parent
PURE = ("canonical", "geo", "hours", "ranking", "states", "catalogue", "dosing", "review_flags")


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_pharmacy_imports_respect_the_layers():
    for path in ROOT.rglob("*.py"):
        for name in _imports(path):
            assert not name.startswith("clinic"), f"{path.name} imports {name}"
            assert not name.startswith("cloud_hospital"), f"{path.name} imports {name}"
            if name.startswith("records"):
                assert name in ("records", "records.api"), f"{path.name} imports {name}"


def test_pure_modules_need_no_flask_or_database():
    for module in PURE:
        names = list(_imports(ROOT / f"{module}.py"))
        assert not [n for n in names if n.startswith(("flask", "sqlalchemy", "core"))], (module, names)


def test_modules_stay_small():
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines()) for p in ROOT.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 300} == {}
