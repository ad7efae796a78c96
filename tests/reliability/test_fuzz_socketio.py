"""Socket.IO fuzz over a live server with the real python-socketio client: a patient sends every
consulting-room event (and unknown ones, and raw malformed packets) with malformed payloads. Each must
answer an `error` event with a code (and a failed ack), the fuzzing client stays connected, and a
patient and a doctor in another consultation keep exchanging messages without loss meanwhile."""
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from clinic.consult import queue_link
from tests.clinic.consult.fakes import FakeQueue
from tests.clinic.consult.helpers import make_doctor, make_patient, make_room
from tests.clinic.consult.sockets import NS, Recorder

pytestmark = [pytest.mark.live, pytest.mark.slow]
EVENTS = ["join", "message", "signal", "typing", "end", "leave"]
UNKNOWN_EVENTS = ["bogus", "Join", "on_join", "_handle", "trigger_event", "connect", "disconnect", "x" * 300]
DEEP = 10_000


def _nested(depth, leaf=1):
    value = leaf
    for _ in range(depth):
        value = {"a": [value]}
    return value


def malformed_payloads(cid, other_cid):
    """Hand-written payloads that no event accepts (wrong types, missing fields, huge, nested, binary)."""
    return [
        None, 1, -1.5, True, "consultation", "", [], [cid], b"\x00\xff binary", {}, {"consultation_id": None},
        {"consultation_id": 5}, {"consultation_id": [cid]}, {"consultation_id": {"id": cid}},
        {"consultation_id": b"bytes"}, {"consultation_id": "x" * 100_000}, {"consultation_id": "a\x00b"},
        {"consultation_id": cid + "\x00"}, {"consultation_id": other_cid},  # not a participant there
        {"consultation_id": cid, "last_seq": -1}, {"consultation_id": cid, "last_seq": 2**63},
        {"consultation_id": cid, "last_seq": "ten"}, {"consultation_id": cid, "client_id": "c" * 65, "text": "a"},
        {"consultation_id": cid, "client_id": "c", "text": "t" * 4001}, {"consultation_id": cid, "client_id": "c"},
        {"consultation_id": cid, "client_id": "c", "text": "a", "attachment_id": "b"},
        {"consultation_id": cid, "client_id": "c", "text": "a\x00"}, {"consultation_id": cid, "client_id": "c",
                                                                     "text": ["a"]},
        {"consultation_id": cid, "client_id": "c", "text": b"binary text"},
        {"consultation_id": cid, "type": "bogus"}, {"consultation_id": cid, "type": "offer", "to": "nobody"},
        {"consultation_id": cid, "type": "offer", "payload": "p" * 70_000},
        {"consultation_id": cid, "typing": "maybe"}, {"consultation_id": cid, "diagnoses": [{"code": "nope"}]},
        {"consultation_id": cid, "note": "n" * 20_001}, {"consultation_id": cid, "junk": _nested(50)},
        _nested(200),  # deeper ones cannot even be encoded by the client: see the raw packets below
    ]


@pytest.fixture()
def queue():
    fake, previous = FakeQueue(), queue_link.installed()
    queue_link.set_queue_link(fake)
    yield fake
    queue_link.set_queue_link(previous)


def _consultation(app, accounts, client, queue, n):
    doctor = make_doctor(app, accounts, username=f"drfuzz{n}")
    patient = make_patient(app, accounts, client, name=f"Fuzz Patient {n}")
    room_id = make_room(app, code=f"fuzz-room-{n}")
    assert client.post(f"/api/v1/rooms/{room_id}/open", headers=doctor.headers).status_code == 200
    for earlier in queue.appointments.values():  # the fake queue would offer the first patient again
        earlier["status"] = "in_consultation"
    queue.add(patient.account)
    called = client.post(f"/api/v1/rooms/{room_id}/call-next", json={}, headers=doctor.headers)
    assert called.status_code == 201, called.get_json()
    return doctor, patient, called.get_json()["id"]


class Chat(threading.Thread):
    """A patient messaging a doctor in their own consultation until told to stop; every send acked."""

    def __init__(self, sender, cid):
        super().__init__(daemon=True)
        self.sender, self.cid, self.acks, self.stop, self.failure = sender, cid, [], threading.Event(), None

    def run(self):
        try:
            while not self.stop.is_set():
                n = len(self.acks) + 1
                self.acks.append(self.sender.call("message", {"consultation_id": self.cid, "client_id": f"m{n}",
                                                             "text": f"legit {n}"}))
                time.sleep(0.02)
        except Exception as exc:  # noqa: BLE001  (reported by the test)
            self.failure = exc


@pytest.fixture()
def rooms(app, accounts, client, queue, live_server):
    """(fuzzer, its consultation, the other consultation, the chat beside it, the doctor there)."""
    _, patient1, cid1 = _consultation(app, accounts, client, queue, 1)
    doctor2, patient2, cid2 = _consultation(app, accounts, client, queue, 2)
    opened = [Recorder(live_server.url, party.token).connect() for party in (patient1, patient2, doctor2)]
    fuzzer, sender, listener = opened
    for recorder, cid in ((fuzzer, cid1), (sender, cid2), (listener, cid2)):
        assert recorder.call("join", {"consultation_id": cid})["ok"] is True
    chat = Chat(sender, cid2)
    chat.start()
    yield fuzzer, cid1, cid2, chat, listener
    chat.stop.set()
    chat.join(10)
    for recorder in opened:
        recorder.disconnect()


def assert_refused(recorder, event, payload, errors_before):
    ack = recorder.call(event, payload, timeout=15)
    label = (event, repr(payload)[:200], repr(ack)[:300])
    assert isinstance(ack, dict) and ack.get("ok") is False, label
    code = ack["error"]["code"]
    assert isinstance(code, str) and code and code != "internal_error", label
    recorder.wait_for(lambda r: len(r.of("error")) > errors_before)
    assert recorder.of("error")[errors_before]["code"] == code, label


def test_malformed_payloads_get_error_events_and_the_other_consultation_loses_nothing(rooms):
    fuzzer, cid1, cid2, chat, listener = rooms
    cases = 0
    for event in EVENTS + UNKNOWN_EVENTS:
        for payload in malformed_payloads(cid1, cid2):
            assert_refused(fuzzer, event, payload, cases)
            cases += 1

    @settings(max_examples=150, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(event=st.sampled_from(EVENTS + UNKNOWN_EVENTS), payload=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50) | st.binary(
            max_size=50), lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
            st.sampled_from(["consultation_id", "client_id", "text", "type", "to", "payload", "typing", "last_seq",
                             "note", "diagnoses"]) | st.text(max_size=8), inner, max_size=5), max_leaves=20))
    def generated(event, payload):
        nonlocal cases
        assert_refused(fuzzer, event, payload, cases)
        cases += 1

    generated()
    print(f"Socket.IO fuzz: {cases} malformed events, {len(chat.acks)} legit messages alongside")
    assert fuzzer.client.connected  # nothing above dropped the fuzzing client
    assert fuzzer.call("message", {"consultation_id": cid1, "client_id": "ok", "text": "still here"})["seq"] == 1
    chat.stop.set()
    chat.join(10)
    assert chat.failure is None, chat.failure
    sent = len(chat.acks)
    assert [a.get("seq") for a in chat.acks] == list(range(1, sent + 1))  # every legit message stored, in order
    listener.wait_for(lambda r: len(r.of("message")) >= sent)
    assert [m["text"] for m in listener.of("message")] == [f"legit {n}" for n in range(1, sent + 1)]
    assert sent >= 10 and cases >= 500



# Socket.IO wire packets no client library sends, and whether the server can read an event out of them
# (then: an `unknown_event` error). What it cannot decode it drops and logs; the connection stays.
RAW_PACKETS = [
    ('2/consult,["join",' + "[" * DEEP + "]" * DEEP + "]", None),
    ('2/consult,["message",' + '{"a":' * DEEP + "1" + "}" * DEEP + "]", None),
    ('2/consult,[5,{"consultation_id":"x"}]', "unknown_event"), ("2/consult,[null]", "unknown_event"),
    ('2/consult,[["join"]]', "unknown_event"), ('2/consult,77["bogus"]', "unknown_event"),
    ('2/consult,["disconnect"]', "unknown_event"), ('2/consult,["connect",{"token":"forged"}]', "unknown_event"),
    ("2/consult,[]", None), ('2/consult,{"event":"join"}', None), ('2/consult,["join",', None),
    ("2/consult,garbage", None), ("2/consult,", None), ('9/consult,["join"]', None), ('2/nowhere,["join",{}]', None),
    ('5/consult,1-["join",{}]', None),
]


def test_raw_malformed_packets_leave_the_connection_and_the_others_working(rooms):
    fuzzer, cid1, cid2, chat, listener = rooms
    for raw, code in RAW_PACKETS:
        errors = len(fuzzer.of("error"))
        fuzzer.client.eio.send(raw)
        # The server still answers this connection.
        assert fuzzer.call("typing", {"consultation_id": cid1}, timeout=15) == {"ok": True}, raw[:60]
        if code:
            fuzzer.wait_for(lambda r: len(r.of("error")) > errors)
            assert fuzzer.of("error")[errors]["code"] == code, raw[:60]
    assert fuzzer.client.connected
    chat.stop.set()
    chat.join(10)
    assert chat.failure is None and [a.get("seq") for a in chat.acks] == list(range(1, len(chat.acks) + 1))
    listener.wait_for(lambda r: len(r.of("message")) >= len(chat.acks))
    print(f"Socket.IO raw packets: {len(RAW_PACKETS)}; {len(chat.acks)} legit messages alongside")
