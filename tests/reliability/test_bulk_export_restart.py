"""A Bulk Data export across a crash: the export job's process is killed (SIGKILL) in the middle of its run; a
later run in another process (the restarted scheduler leader, once the dead one's lease has run out) resumes
from the committed position, and the files hold every resource exactly once."""
import json
from datetime import timedelta
from pathlib import Path

import pytest

from core import clock
from tests.smart.helpers import observation, patient_with_records

pytestmark = [pytest.mark.live, pytest.mark.slow]
ASYNC = {"Prefer": "respond-async"}


def test_an_export_killed_midway_is_resumed_by_the_next_process(app, client, accounts, job_process, monkeypatch):
    _, admin = accounts.admin()
    account, _ = patient_with_records(client, accounts, admin)
    for _ in range(8):
        assert client.post("/fhir/Observation", json=observation(account["patient_id"]),
                           headers=admin).status_code == 201
    kick = client.get("/fhir/$export?_type=Observation", headers={**ASYNC, **admin})
    assert kick.status_code == 202
    status_url = kick.headers["Content-Location"].split("://", 1)[1].split("/", 1)[1]
    monkeypatch.setenv("SMART_BULK_PAGE_SIZE", "2")  # 9 Observations: five pages
    monkeypatch.setenv("SMART_BULK_DIR", str(Path(app.instance_path) / "bulk"))  # the processes share the files

    crashed = job_process("smart.run_exports", slow="records.api:export_page=0.4")
    crashed.wait_for_steps(3)
    crashed.kill()
    waiting = client.get(f"/{status_url}", headers=admin)
    assert waiting.status_code == 202 and "running" in waiting.headers["X-Progress"]

    after_lease = clock.now() + timedelta(minutes=2)  # the dead runner's lease has run out
    assert json.loads(job_process("smart.run_exports", at=after_lease).result().replace("'", '"')) == {"exports": 1}
    manifest = client.get(f"/{status_url}", headers=admin)
    assert manifest.status_code == 200, manifest.get_json()
    [observations] = manifest.get_json()["output"]
    lines = client.get(observations["url"].split("://", 1)[1].split("/", 1)[1].join(["/", ""]), headers=admin)
    text = lines.get_data(as_text=True)
    lines.close()  # send_file's stream
    ids = [json.loads(line)["id"] for line in text.splitlines()]
    assert len(ids) == 9 == len(set(ids)) == observations["count"]
