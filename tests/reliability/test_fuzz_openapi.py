"""Schemathesis against the live service's OpenAPI document, as each role: no 5xx, and every error is
problem details (tests/reliability/schemathesis_checks.py).

The database holds the demo data plus one online journey (tests/reliability/fuzz_world.py); every path
parameter and id-like body field is drawn, most of the time, from the ids of objects that exist, so the
generated requests reach the code behind the 404s. The admin run is the widest (FUZZ_EXAMPLES examples
per operation, all phases, every operation), the other roles fewer examples, no coverage phase, and only
the operations the authorisation matrix lets them use: elsewhere they get 401/403 whatever they send
(tests/reliability/authz proves it), and generating cases for those was ~60 % of their runs' CPU. The
seed is fixed, so a run is repeatable."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.reliability.authz.api_matrix import MATRIX
from tests.reliability.fuzz_world import build_world

pytestmark = [pytest.mark.live, pytest.mark.slow]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
SEED = 20261124
# Examples per operation. Only the admin run has the coverage phase (boundary values, unexpected methods:
# ~4,000 cases of which most do not depend on the role); the others fuzz each operation as that role.
ROLES = {"admin": EXAMPLES, "doctor": max(2, EXAMPLES // 2), "patient": max(2, EXAMPLES // 2),
         "pharmacist": max(2, EXAMPLES // 3), "reviewer": max(2, EXAMPLES // 3), "anonymous": max(2, EXAMPLES // 6)}
# The roles of the authorisation matrix (tests/reliability/authz/api_matrix.py) each fuzzing role plays: the
# fuzzing patient is patient A, doctor.wang A's doctor; admin fuzzes every operation.
MATRIX_ROLES = {"doctor": {"d1", "d2"}, "patient": {"pa", "pb"}, "pharmacist": {"p1", "p2"}, "reviewer": {"rv"},
                "anonymous": {"anon"}}
# Real ids are used this often; the rest of the time schemathesis generates its own (404s, 422s).
REAL_ID_PROBABILITY = 0.8
BODY_ID_FIELDS = ("slot_id", "consultation_id", "doctor_id", "institution_id", "pharmacy_id")
CHECKS = Path(__file__).with_name("schemathesis_checks.py")


def _toml(value):
    return json.dumps(value, ensure_ascii=True)  # a JSON string or list of strings is valid TOML


def write_config(path, headers, ids, examples, wide):
    """A schemathesis.toml: auth header, examples, seed, our check, and the real ids as dictionaries;
    the coverage phase only in the `wide` run."""
    lines = [f"seed = {SEED}", "color = false", f"hooks = {_toml(str(CHECKS))}"]
    if headers:
        lines.append("headers = { " + ", ".join(f"{k} = {_toml(v)}" for k, v in headers.items()) + " }")
    lines += ["[generation]", f"max-examples = {examples}", 'database = "none"']
    if not wide:
        lines += ["[phases.coverage]", "enabled = false"]
    lines.append("[dictionaries]")
    lines += [f"{name} = {{ values = {_toml(values)} }}" for name, values in ids.items() if values]
    lines.append("[parameters]")
    for name, values in ids.items():
        if not values:
            continue
        binding = f"{{ dictionary = {_toml(name)}, probability = {REAL_ID_PROBABILITY} }}"
        lines.append(f'"path.{name}" = {binding}')
        lines.append(f'"query.{name}" = {binding}')
        if name in BODY_ID_FIELDS:
            lines.append(f'"body.{name}" = {binding}')
    path.write_text("\n".join(lines) + "\n")
    return path


def operations_for(role, document):
    """The operations of the OpenAPI `document` that `role` fuzzes, as schemathesis names them
    ("GET /api/v1/x/{id}"), logout left out (below); None for all of them."""
    if role not in MATRIX_ROLES:
        return None
    described = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
                 if method in ("get", "put", "post", "delete", "patch")}
    allowed = {name for name, rule in MATRIX.items() if rule.roles() & MATRIX_ROLES[role]}
    return sorted(described & allowed - {"POST /api/v1/auth/logout"})


def run_schemathesis(url, config, workdir, operations=None):
    """Run the schemathesis CLI (on `operations` only, when given); returns (exit code, output, test cases
    generated)."""
    schemathesis = Path(sys.executable).with_name("schemathesis")
    only = [arg for name in operations or () for arg in ("--include-name", name)]
    result = subprocess.run(
        [str(schemathesis), "--config-file", str(config), "run", f"{url}/api/v1/openapi.json",
         "--checks", "not_a_server_error,content_type_conformance,problem_details", "--workers", "1",
         # Logout would revoke the token the rest of the run authenticates with; it has its own tests.
         "--exclude-path", "/api/v1/auth/logout", *only],
        capture_output=True, text=True, timeout=600, cwd=workdir)  # its cache stays out of the repo
    output = result.stdout + result.stderr
    generated = re.search(r"(\d+) generated", output)
    return result.returncode, output, int(generated.group(1)) if generated else 0


@pytest.mark.timeout(900)  # the admin run is ~2 min on a quiet machine; several times that on a loaded one
@pytest.mark.parametrize("role", list(ROLES))
def test_schemathesis_finds_no_server_errors_and_only_problem_details(app, client, live_server, tmp_path, role):
    world = build_world(app, client)
    config = write_config(tmp_path / "schemathesis.toml", world.headers[role], world.ids, ROLES[role], wide=role == "admin")
    operations = operations_for(role, requests.get(f"{live_server.url}/api/v1/openapi.json", timeout=30).json())
    code, output, cases = run_schemathesis(live_server.url, config, tmp_path, operations)
    assert code == 0, output[-8000:]
    print(f"schemathesis as {role}: {cases} test cases, up to {ROLES[role]} examples per operation\n{output[-1200:]}")
    tested = int(re.search(r"Tested: (\d+)", output).group(1))
    if operations is not None:  # every operation the role may use was fuzzed
        assert tested == len(operations), output[-3000:]
    # A collapse of the run (a case or two per operation, not examples' worth) would show here.
    assert cases >= tested * ROLES[role] // 4
    # And the service still answers afterwards, the role's token included.
    assert requests.get(f"{live_server.url}/healthz", timeout=5).status_code == 200
    if role != "anonymous":
        assert requests.get(f"{live_server.url}/api/v1/me", headers=world.headers[role], timeout=5).status_code == 200


def test_the_problem_details_check_refuses_other_error_shapes():
    from types import SimpleNamespace

    from tests.reliability.schemathesis_checks import problem_details

    def answer(status, media_type, body):
        return SimpleNamespace(status_code=status, headers={"content-type": [media_type]}, content=body)

    good = b'{"type": "urn:problem:x", "title": "Not found", "status": 404}'
    assert problem_details(None, answer(404, "application/problem+json", good), None) is None
    assert problem_details(None, answer(200, "text/html", b"<p>"), None) is None
    for bad in (answer(404, "application/json", good), answer(404, "text/html", b"<h1>Not Found</h1>"),
                answer(404, "application/problem+json", b'{"title": "Not found", "status": 404}'),
                answer(409, "application/problem+json", good), answer(500, "application/problem+json", b"oops")):
        with pytest.raises(AssertionError):
            problem_details(None, bad, None)
