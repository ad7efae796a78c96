"""Dependency audit: every installed distribution against PyPI's vulnerability data (the OSV-backed advisories
pip-audit reads), exiting 1 on a known vulnerability or on a distribution it could not look up.

Why not pip-audit itself: it asks PyPI for each release (`/pypi/NAME/VERSION/json`), which the registry
reachable from these machines answers with 404, so pip-audit skips every package and still reports "no known
vulnerabilities" (and `--strict` fails on the first); osv.dev is not reachable. The project endpoint
(`/pypi/NAME/json`) does answer, and its `vulnerabilities` are those of the project's latest release. So:
- a distribution at its latest release is audited exactly;
- one behind it is audited through the release endpoint when that answers, and otherwise listed as "not
  audited here" (pip-audit, where a source is reachable, covers those: `pip-audit --strict --skip-editable`).

    .venv/bin/python .ci/audit_dependencies.py [--index https://pypi.org/pypi] [--skip NAME ...]
"""
import argparse
import importlib.metadata
import json
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

DEFAULT_INDEX = "https://pypi.org/pypi"


def installed(skip=()):
    """{normalised name: version} of the environment's distributions, less `skip` (e.g. the project itself)."""
    skipped = {_normalise(name) for name in skip}
    found = {}
    for dist in importlib.metadata.distributions():
        name = _normalise(dist.metadata["Name"] or "")
        if name and name not in skipped:
            found[name] = dist.version
    return found


def _normalise(name):
    return name.lower().replace("_", "-").replace(".", "-")


def fetch_json(url):
    """The JSON at `url`, or None for a 404."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def audit_one(name, version, index=DEFAULT_INDEX, fetch=fetch_json):
    """(status, detail) for one distribution: ("vulnerable", [ids]), ("ok", how), ("not-audited", why)
    or ("error", message)."""
    try:
        release = fetch(f"{index}/{name}/{version}/json")
        if release is not None:
            return _verdict(release, "release data")
        project = fetch(f"{index}/{name}/json")
    except Exception as error:  # noqa: BLE001  (any failure to look up is reported, never a pass)
        return "error", f"{type(error).__name__}: {error}"
    if project is None:
        return "error", "not found on the index"
    latest = (project.get("info") or {}).get("version")
    if latest != version:
        return "not-audited", f"latest is {latest}; the index has no data for {version}"
    return _verdict(project, "latest release")


def _verdict(data, how):
    live = [v for v in data.get("vulnerabilities") or () if not v.get("withdrawn")]
    if live:
        return "vulnerable", sorted({v.get("id") or "?" for v in live})
    return "ok", how


def audit(packages, index=DEFAULT_INDEX, fetch=fetch_json, workers=8):
    """{name: (version, status, detail)} for `packages` ({name: version})."""
    names = sorted(packages)
    with ThreadPoolExecutor(workers) as pool:
        verdicts = pool.map(lambda n: audit_one(n, packages[n], index, fetch), names)
    return {name: (packages[name], *verdict) for name, verdict in zip(names, verdicts)}


def report(results, out=sys.stdout):
    """Print the findings; return the exit code (1 on any vulnerability or lookup error)."""
    by_status = {}
    for name, (version, status, detail) in results.items():
        by_status.setdefault(status, []).append((name, version, detail))
    for status in ("vulnerable", "error", "not-audited"):
        for name, version, detail in by_status.get(status, ()):
            print(f"{status:12} {name} {version}: {detail}", file=out)
    counts = ", ".join(f"{len(by_status.get(s, ()))} {s}" for s in ("ok", "vulnerable", "error", "not-audited"))
    print(f"dependency audit: {len(results)} distributions: {counts}", file=out)
    return 1 if by_status.get("vulnerable") or by_status.get("error") else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", default=DEFAULT_INDEX, help="PyPI JSON API base URL")
    parser.add_argument("--skip", nargs="*", default=["cloud-hospital"], help="distributions not to audit")
    args = parser.parse_args(argv)
    return report(audit(installed(args.skip), args.index))


if __name__ == "__main__":
    sys.exit(main())
