"""`python -m seeds.scenario` against a real server process (gunicorn on the test database, seeded with
the demo data): the whole journey passes, passes again on the same server with a fresh patient (and an
order routed to a pharmacy without a demo pharmacist), and a step that cannot succeed makes it exit
non-zero with the problem details."""
import os
import re
import subprocess
import sys

import pytest
from sqlalchemy import select, update

from core.extensions import db
from core.models import User
from core.passwords import hash_password
from pharmacy.models import Pharmacy
from tests.clinic.consult.procs import ROOT, ServerProcess
from tests.ports import free_port

pytestmark = [pytest.mark.live, pytest.mark.slow]
KEY_LINES = [
    r"^1\. a new patient registered with the code texted to their phone: .*ID 330203",
    r"^\d+\. online booking refused \(not_eligible, decision refer_offline\)",
    r"^   referred offline to \S.* \(\d+(\.\d+)? km",
    r"diagnoses essential hypertension \(I10\), written to the record in one FHIR transaction",
    r"eligibility for online follow-up of I10: allow",
    r"queue position 1, estimated wait \d+ min \(live over Socket\.IO: queue_update position 1",
    r"the patient hears `invited`",
    r"\[seq 1, ack ok, heard live\] patient:",
    r"\[seq 2, ack ok, heard live\] doctor:",
    r"prescription pending_review, signed Ed25519",
    r"approves: prescription approved",
    r"accepts the order \((?:as its demo pharmacist pharmacist\.li|as duty\.\w+, [^)]*)\): accepted",
    r"order out_for_delivery",
    r"order delivered",
    r"Encounter/\S+: class VR, finished",
    r"Condition/\S+: I10 .*\(confirmed\)",
    r"MedicationDispense/\S+: C08CA01 .* x 28, completed",
    r"13800000003\), no in-person diagnosis: eligibility refer_offline",
    r"referred offline to: .*km\)",
    r"Dr Wang enrols the patient in a hypertension plan: a visit every 28 days",
    r"alert bp\.systolic_urgent \(urgent\) on Dr Wang's open list",
    r"the visit due \S+ is in person \(care_plan\.condition_changed\)",
    r"the patient reads: .*LDL cholesterol 4\.1 H",
    r"Encounter/hh-\S+: class HH, finished",
    r"the patient pays \d+\.\d\d yuan .* payment succeeded, charge paid",
    r"settlement of \S+: .* ledger balanced True",
    r"reconciliation with the sandbox statement: .* matched True",
    r"^scenario passed: 35 steps",
]


def run_scenario(url, instance=None):
    """Run the scenario; `instance`: the server's instance folder, where it reads the texted code."""
    env = {**os.environ, **({"INSTANCE_PATH": instance} if instance else {})}
    return subprocess.run([sys.executable, "-m", "seeds.scenario", "--base-url", url], cwd=ROOT, capture_output=True,
                          text=True, timeout=180, env=env)


@pytest.fixture()
def demo_server(app, runner):
    seeded = runner.invoke(args=["seed", "demo"])
    assert seeded.exit_code == 0, seeded.output
    server = ServerProcess(app.config["SQLALCHEMY_DATABASE_URI"]).start()
    yield server
    server.stop()


def test_the_journey_passes_again_with_a_fresh_patient_and_a_broken_credential_fails_it(app, demo_server):
    first = run_scenario(demo_server.url, demo_server.instance)
    assert first.returncode == 0, first.stdout + first.stderr + demo_server.output()
    for pattern in KEY_LINES:
        assert re.search(pattern, first.stdout, re.MULTILINE), (pattern, first.stdout)

    with app.app_context():  # as at night: the pharmacies with a demo pharmacist take no orders
        db.session.execute(update(Pharmacy).where(Pharmacy.id.in_(["demo-pharmacy-1", "ningbo-jiangbei-1"]))
                           .values(routable=False))
        db.session.commit()
    again = run_scenario(demo_server.url, demo_server.instance)
    assert again.returncode == 0, again.stdout + again.stderr + demo_server.output()
    assert re.search(r"accepts the order \(as duty\.\w+, an on-duty pharmacist the administrator onboarded\)",
                     again.stdout), again.stdout
    patients = [re.search(r"\(patient (\w+)\)", out).group(1) for out in (first.stdout, again.stdout)]
    assert patients[0] != patients[1]

    with app.app_context():  # the demo doctor's password no longer works
        db.session.scalar(select(User).where(User.username == "doctor.wang")).password_hash = hash_password("changed-0")
        db.session.commit()
    broken = run_scenario(demo_server.url, demo_server.instance)
    assert broken.returncode == 1, broken.stdout
    assert re.search(r"^5\. FAILED: the patient finds an online slot", broken.stdout, re.MULTILINE), broken.stdout
    assert "POST /api/v1/auth/token as doctor.wang answered 401" in broken.stdout
    assert re.search(r"problem details: \{.*\"status\": 401", broken.stdout), broken.stdout
    assert "scenario passed" not in broken.stdout


def test_an_unreachable_server_fails_the_first_step():
    result = run_scenario(f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert result.stdout.startswith("1. FAILED: a new patient registers")
    assert "the server cannot be reached" in result.stdout


def test_flask_seed_scenario_runs_it_too(runner):
    result = runner.invoke(args=["seed", "scenario", "--base-url", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1
    assert "1. FAILED: a new patient registers" in result.output
