"""The layering of docs/ARCHITECTURE.md, checked on every import statement (function-local ones too):
cloud_hospital (the composition root) on top, then clinic -> pharmacy -> records -> core; a domain reaches
another only through its service module; no module imports itself back through others; the pure risk engine
imports no Flask or database; modules stay small."""
import ast
import sys
from pathlib import Path

import pytest

from tests.import_graph import import_cycles, import_graph

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = ("core", "records", "billing", "pharmacy", "clinic", "compliance", "smart")
PACKAGES = (*DOMAINS, "seeds", "consoles", "cloud_hospital")
TOP = "cloud_hospital"  # the composition root: create_app, the entry points, the migrations
LOWER_ONLY = {  # what each package may import of the others
    "core": set(),
    "records": {"core"},
    "billing": {"core", "records"},
    "pharmacy": {"core", "records", "billing"},
    "clinic": {"core", "records", "billing", "pharmacy"},
    "compliance": {"core", "records", "billing", "pharmacy", "clinic"},
    "smart": {"core", "records"},
    TOP: set(PACKAGES) - {TOP},
}
SERVICE_MODULES = {"records": ("records", "records.api", "records.errors"),
                   "pharmacy": ("pharmacy", "pharmacy.services"),
                   "billing": ("billing", "billing.services")}
MAX_LINES = 300
MIGRATIONS = ROOT / TOP / "migrations" / "versions"  # released history, never edited: exempt from MAX_LINES


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _modules(package):
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", (*DOMAINS, TOP))
def test_dependencies_point_down_and_through_service_modules(package):
    wrong = []
    for path in _modules(package):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in PACKAGES and top != package and top not in LOWER_ONLY[package]:
                wrong.append(f"{path.relative_to(ROOT)} imports {name} (against the layers)")
            elif package != TOP and top in SERVICE_MODULES and top != package \
                    and name not in SERVICE_MODULES[top] \
                    and not any(name.startswith(m + ".") and name.count(".") == m.count(".") + 1
                                for m in SERVICE_MODULES[top][1:]):
                wrong.append(f"{path.relative_to(ROOT)} imports {name} (not through the service module)")
    assert wrong == []


def test_nothing_imports_the_composition_root():
    offenders = [(str(p.relative_to(ROOT)), n) for pkg in PACKAGES if pkg != TOP for p in _modules(pkg)
                 for n in _imports(p) if n.split(".")[0] == TOP]
    assert offenders == []


def test_no_import_cycles():
    """No module imports itself back through others (function-local imports count: a cycle dodged by
    importing inside a function is still a cycle). Each cycle is listed as its strongly connected set."""
    cycles = import_cycles(import_graph(ROOT, PACKAGES))
    assert cycles == [], "import cycles:\n" + "\n".join(" <-> ".join(cycle) for cycle in cycles)


def test_the_cycle_check_sees_function_local_and_relative_imports(tmp_path):
    files = {"pkg/__init__.py": "", "pkg/a.py": "from pkg import b\n",
             "pkg/b.py": "def later():\n    from . import c\n", "pkg/c.py": "from .a import something\n",
             "pkg/d.py": "import pkg.a\n"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    assert import_cycles(import_graph(tmp_path, ("pkg",))) == [["pkg.a", "pkg.b", "pkg.c"]]


def test_the_risk_engine_is_pure():
    offenders = [(str(p.relative_to(ROOT)), n) for p in _modules("clinic/risk/engine") for n in _imports(p)
                 if n.split(".")[0] in ("flask", "sqlalchemy", "flask_sqlalchemy", "core", "records")]
    assert offenders == []


def test_consoles_are_clients_of_the_public_api():
    """The web consoles reach the domains only from the browser (/api/v1, /fhir, Socket.IO): in Python
    they may import the standard library, flask, core and themselves, nothing else."""
    allowed = set(sys.stdlib_module_names) | {"flask", "core", "consoles"}
    offenders = [(str(p.relative_to(ROOT)), n) for p in _modules("consoles") for n in _imports(p)
                 if n.split(".")[0] not in allowed]
    assert _modules("consoles") and offenders == []


def test_modules_stay_small():
    sizes = {p: len(p.read_text(encoding="utf-8").splitlines()) for pkg in PACKAGES for p in _modules(pkg)
             if MIGRATIONS not in p.parents}
    large = {str(p.relative_to(ROOT)): n for p, n in sizes.items() if n > MAX_LINES}
    assert large == {}
