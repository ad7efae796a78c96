"""Schemathesis against the live service's OpenAPI document: no 5xx, every error is problem details."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

pytestmark = [pytest.mark.live, pytest.mark.slow]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))


def test_schemathesis_finds_no_server_errors(live_server, accounts, tmp_path):
    _, admin = accounts.admin("fuzzadmin")
    schemathesis = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [str(schemathesis), "run", f"{live_server.url}/api/v1/openapi.json",
         "--checks", "not_a_server_error,content_type_conformance",
         "--max-examples", str(EXAMPLES), "--seed", "20261124", "--workers", "1",
         "--header", f"Authorization:{admin['Authorization']}", "--no-color",
         "--generation-database", "none",
         # Logout would revoke the token the rest of the run authenticates with; it has its own tests.
         "--exclude-path", "/api/v1/auth/logout", "--report", "junit",
         "--report-junit-path", str(tmp_path / "junit.xml")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)  # its cache stays out of the repo
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    cases = sum(int(n) for n in re.findall(r'tests="(\d+)"', (tmp_path / "junit.xml").read_text())[:1])
    print(f"schemathesis: {cases} operations tested, up to {EXAMPLES} examples each\n{output[-1500:]}")
    assert cases >= 5
    # And the service still answers afterwards.
    assert requests.get(f"{live_server.url}/healthz", timeout=5).status_code == 200
