"""The push process killed (SIGKILL) between the changes and their delivery, then again in the middle of a run:
the feed entries were committed with the changes, and the next runs deliver every one exactly once, in order."""
import pytest

from tests.compliance.conftest import whole_feed
from tests.compliance.receiver import Receiver
from tests.compliance.test_feed import _delivered_chain
from tests.compliance.test_push import SECRET, _endpoint
from tests.reliability.conftest import job_process  # noqa: F401  (fixture)

pytestmark = [pytest.mark.live, pytest.mark.slow]


def test_killed_pushers_lose_nothing_and_repeat_nothing(app, client, world, regulator, job_process, monkeypatch):
    monkeypatch.setenv("SUPERVISION_ALLOW_PRIVATE_ENDPOINTS", "true")  # the job processes read the environment
    app.config["SUPERVISION_ALLOW_PRIVATE_ENDPOINTS"] = True
    receiver = Receiver(SECRET).up()
    try:
        _endpoint(client, world.admin, receiver.url)
        _delivered_chain(world)
        _delivered_chain_again(world)
        feed = whole_feed(client, regulator)
        assert len(feed) == 7  # delivery: 4 entries; pickup: signed, approved, dispensed
        before_any = job_process("compliance.push_feed", slow="compliance.push:entry_for=5")
        before_any.wait_for_steps(1)  # the first entry loaded, not yet sent
        before_any.kill()
        assert receiver.received == []
        midway = job_process("compliance.push_feed", slow="compliance.push:entry_for=0.3")
        midway.wait_for_steps(4)  # three sent and committed, the fourth about to go
        midway.kill()
        assert len(receiver.received) == 3
        assert int(job_process("compliance.push_feed").result()) == 4
        assert [p for p, *_ in receiver.received] == [e["position"] for e in feed]  # each once, in feed order
    finally:
        app.config["SUPERVISION_ALLOW_PRIVATE_ENDPOINTS"] = False
        receiver.down()


def _delivered_chain_again(world):
    patient_id, patient = world.patient()
    prescription_id = world.approved(patient_id)
    order = world.order(patient, prescription_id, mode="pickup")
    pharmacist = world.pharmacist("shop")
    for action in ("accept", "prepared", "picked-up"):
        assert world.act(pharmacist, order["order_id"], action).status_code == 200
