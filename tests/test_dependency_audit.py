"""The CI's dependency audit (.ci/audit_dependencies.py) decides from PyPI's answers; here the index is a dict."""
import importlib.util
import io
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "audit_dependencies.py"
spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
audit_dependencies = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_dependencies)

INDEX = "https://index.example/pypi"
VULN = {"id": "PYSEC-2024-1", "aliases": ["CVE-2024-1"], "fixed_in": ["2.0"], "withdrawn": None}
PAGES = {
    f"{INDEX}/flask/3.1.0/json": None,  # the release endpoint 404s, as the registry here does
    f"{INDEX}/flask/json": {"info": {"version": "3.1.0"}, "vulnerabilities": []},
    f"{INDEX}/oldlib/1.0/json": None,
    f"{INDEX}/oldlib/json": {"info": {"version": "2.0"}, "vulnerabilities": []},
    f"{INDEX}/badlib/1.0/json": {"info": {"version": "1.0"}, "vulnerabilities": [VULN]},
    f"{INDEX}/stalelib/1.0/json": None,
    f"{INDEX}/stalelib/json": {"info": {"version": "1.0"}, "vulnerabilities": [{**VULN, "withdrawn": "2024-05-01"}]},
    f"{INDEX}/latestbad/1.0/json": None,
    f"{INDEX}/latestbad/json": {"info": {"version": "1.0"}, "vulnerabilities": [VULN]},
}


def fetch(url):
    if url not in PAGES:
        raise OSError(f"unreachable: {url}")
    return PAGES[url]


@pytest.mark.parametrize("name, version, status", [
    ("flask", "3.1.0", "ok"),  # at the latest release: the project endpoint's advisories are its own
    ("oldlib", "1.0", "not-audited"),  # behind the latest release and no release data: never a silent pass
    ("badlib", "1.0", "vulnerable"),  # from the release endpoint where it answers
    ("latestbad", "1.0", "vulnerable"),
    ("stalelib", "1.0", "ok"),  # a withdrawn advisory does not count
    ("missing", "1.0", "error"),  # a lookup that fails is reported, not passed
])
def test_each_distribution_gets_a_verdict(name, version, status):
    assert audit_dependencies.audit_one(name, version, INDEX, fetch)[0] == status


def test_the_exit_code_fails_on_vulnerabilities_and_lookup_errors_only():
    def run(packages):
        out = io.StringIO()
        code = audit_dependencies.report(audit_dependencies.audit(packages, INDEX, fetch), out)
        return code, out.getvalue()

    assert run({"flask": "3.1.0", "oldlib": "1.0"})[0] == 0
    code, text = run({"flask": "3.1.0", "badlib": "1.0"})
    assert code == 1 and "vulnerable   badlib 1.0: ['PYSEC-2024-1']" in text
    assert run({"missing": "1.0"})[0] == 1


def test_installed_skips_the_project_itself():
    packages = audit_dependencies.installed(skip=["cloud-hospital"])
    assert "cloud-hospital" not in packages and "flask" in packages
