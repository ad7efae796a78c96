"""The layering of docs/ARCHITECTURE.md, checked on the import statements:
clinic -> pharmacy -> records -> core; a domain reaches another only through its service module;
the pure risk engine imports no Flask or database; modules stay small."""
import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = ("core", "records", "pharmacy", "clinic")
LOWER_ONLY = {  # what each package may import of the others
    "core": set(),
    "records": {"core"},
    "pharmacy": {"core", "records"},
    "clinic": {"core", "records", "pharmacy"},
}
SERVICE_MODULES = {"records": ("records", "records.api", "records.errors"),
                   "pharmacy": ("pharmacy", "pharmacy.services")}
MAX_LINES = 300


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


@pytest.mark.parametrize("package", DOMAINS)
def test_dependencies_point_down_and_through_service_modules(package):
    wrong = []
    for path in _modules(package):
        if path == ROOT / "core" / "app.py":
            continue  # the composition root imports every domain
        for name in _imports(path):
            top = name.split(".")[0]
            if top in DOMAINS and top != package and top not in LOWER_ONLY[package]:
                wrong.append(f"{path.relative_to(ROOT)} imports {name} (against the layers)")
            elif top in SERVICE_MODULES and top != package and name not in SERVICE_MODULES[top] \
                    and not any(name.startswith(m + ".") and name.count(".") == m.count(".") + 1
                                for m in SERVICE_MODULES[top][1:]):
                wrong.append(f"{path.relative_to(ROOT)} imports {name} (not through the service module)")
    assert wrong == []


def test_no_domain_imports_core_app():
    offenders = [str(p.relative_to(ROOT)) for pkg in DOMAINS for p in _modules(pkg)
                 if p != ROOT / "core" / "app.py" and "core.app" in set(_imports(p))]
    assert offenders == []


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
    large = {str(p.relative_to(ROOT)): n for pkg in (*DOMAINS, "seeds", "consoles") for p in _modules(pkg)
             if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert large == {}
