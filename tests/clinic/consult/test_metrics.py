"""Consulting-room metrics on /metrics: messages stored (a resent message once) and consultations open by state."""
from tests.clinic.consult.helpers import join, say, start_consultation
from tests.metrics import scrape, value

MESSAGES = "cloud_hospital_consultation_messages_total"
OPEN = "cloud_hospital_consultations_open"


def test_messages_and_open_consultations_are_counted(app, accounts, client, queue):
    before = scrape(client)
    _, patient, _, consultation = start_consultation(app, accounts, client, queue)
    invited = scrape(client)
    assert value(invited, OPEN, state="invited") == value(before, OPEN, state="invited") + 1
    tc, ack = join(app, patient, consultation["id"])
    assert ack["ok"], ack
    try:
        assert say(tc, consultation["id"], "hello", client_id="m-1")["seq"] == 1
        resent = say(tc, consultation["id"], "hello", client_id="m-1")  # a retry: stored once
        assert resent["duplicate"] is True
        assert say(tc, consultation["id"], "how are you", client_id="m-2")["seq"] == 2
        after = scrape(client)
    finally:
        tc.disconnect(namespace="/consult")
    assert value(after, MESSAGES, kind="text") == value(before, MESSAGES, kind="text") + 2
    assert value(after, OPEN, state="active") == value(before, OPEN, state="active") + 1
    assert value(after, OPEN, state="invited") == value(before, OPEN, state="invited")
