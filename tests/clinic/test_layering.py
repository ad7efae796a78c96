"""The clinic's layout (docs/ARCHITECTURE.md, "The clinic by capability"), checked on the import statements:
one package per capability; another package reaches it only through its public surface, the package itself
(its tables and constants) or its `services` module; the app factory's hooks (`wiring`, views, jobs) are
mounted by the clinic's composition root alone."""
import ast
from pathlib import Path

from tests.import_graph import imported_names

ROOT = Path(__file__).resolve().parents[2]
CLINIC = ROOT / "clinic"
CAPABILITIES = {"appointments", "consult", "directory", "fhir_views", "notifications", "realtime", "reports", "risk",
                "scheduling", "careplans", "measurements", "inspections", "nursing"}
COMPOSITION_ROOT = CLINIC / "__init__.py"
MOUNTED_BY_THE_ROOT = {"wiring", "views", "slot_views", "waitlist_views", "jobs"}
SERVICE_ARROWS = {  # whose services each capability may call (docs/ARCHITECTURE.md); tables are open to all
    "appointments": {"scheduling", "directory", "consult", "risk", "notifications", "realtime", "fhir_views"},
    "scheduling": {"directory", "notifications", "fhir_views"},
    "consult": {"risk", "notifications", "realtime"},
    "directory": {"fhir_views"},
    "notifications": {"realtime"},
    "risk": set(), "realtime": set(), "reports": set(), "fhir_views": set(),
    "careplans": {"directory", "risk", "notifications"},
    "measurements": {"directory", "notifications"},
    "inspections": {"directory", "notifications"},
    "nursing": {"directory", "notifications"},
}
CHECKED = ("clinic", "core", "records", "pharmacy", "seeds", "consoles", "cloud_hospital", "bench")


def _imported_names(path):
    """Every `a.b.c` an import statement of `path` names (function-local and relative imports too)."""
    package = ".".join(path.relative_to(ROOT).parent.parts)
    return imported_names(ast.parse(path.read_text(encoding="utf-8")), package)


def _exported(capability):
    """The names a capability's __init__ exports (its __all__)."""
    tree = ast.parse((CLINIC / capability / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return {elt.value for elt in node.value.elts}
    return set()


def _capability_of(path):
    parts = path.relative_to(ROOT).parts
    return parts[1] if parts[0] == "clinic" and len(parts) > 2 else None


def test_the_clinic_is_its_capabilities():
    top = {p.name for p in CLINIC.iterdir() if p.name != "__pycache__"}
    assert top == CAPABILITIES | {"__init__.py", "cli.py"}
    assert all((CLINIC / name / "__init__.py").exists() for name in CAPABILITIES)


def test_other_packages_use_only_the_public_surface():
    exported = {name: _exported(name) for name in CAPABILITIES}
    wrong = []
    for package in CHECKED:
        for path in sorted((ROOT / package).rglob("*.py")):
            own = _capability_of(path)
            for name in _imported_names(path):
                parts = name.split(".")
                if parts[0] != "clinic" or len(parts) < 3 or parts[1] not in CAPABILITIES or parts[1] == own:
                    continue
                capability, what = parts[1], parts[2]
                if what == "services" or (what in exported[capability] and len(parts) == 3):
                    continue
                if path == COMPOSITION_ROOT and what in MOUNTED_BY_THE_ROOT:
                    continue
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []


def test_services_are_called_only_along_the_documented_arrows():
    calls = {(_capability_of(path), name.split(".")[1])
             for path in sorted(CLINIC.rglob("*.py")) if _capability_of(path)
             for name in _imported_names(path)
             if name.startswith("clinic.") and name.count(".") >= 2 and name.split(".")[2] == "services"}
    wrong = sorted((caller, callee) for caller, callee in calls
                   if caller != callee and callee not in SERVICE_ARROWS[caller])
    assert set(SERVICE_ARROWS) == CAPABILITIES and wrong == []


def test_a_capability_package_exports_only_its_own_tables_and_constants():
    """The package __init__ stays light (nothing that imports another capability), so reading a table
    never drags in services, and the services of two capabilities can use each other's tables."""
    wrong = [(name, imported) for name in sorted(CAPABILITIES)
             for imported in _imported_names(CLINIC / name / "__init__.py")
             if not imported.startswith(f"clinic.{name}.") or imported.split(".")[2] == "services"]
    assert wrong == []


def test_the_checks_see_real_imports():
    """The rules above would pass vacuously on a parser that finds nothing."""
    names = set(_imported_names(CLINIC / "appointments" / "booking.py"))
    assert "clinic.fhir_views.services" in names and "clinic.scheduling.Slot" in names
    assert _exported("scheduling") >= {"Slot", "ScheduleTemplate"}
