"""A crash in the middle of a chat: patient and doctor pipeline messages (each with a client_id, not
waiting for acks), the server is killed with SIGKILL, started again; both reconnect, join with the last
seq they saw and resend what was never acknowledged. Afterwards every message is stored once, the
sequence has no gap, each sender's messages keep their order, and each side has seen them all."""
import threading
import time

import pytest
import socketio

from tests.clinic.consult.conftest import queue  # noqa: F401 (fixture)
from tests.clinic.consult.helpers import join, start_consultation
from tests.clinic.consult.sockets import NS, Recorder

pytestmark = [pytest.mark.live, pytest.mark.slow]
PER_SENDER, WINDOW = 30, 4


class ChatSender:
    """Sends `PER_SENDER` messages with at most `WINDOW` unacknowledged, across reconnects."""

    def __init__(self, who, cid):
        self.who, self.cid = who, cid
        self.next, self.unacked, self.acks = 0, {}, {}
        self.cond = threading.Condition()

    def _acked(self, client_id, ack):
        with self.cond:
            if isinstance(ack, dict) and ack.get("ok"):
                self.acks[client_id] = ack["seq"]
                self.unacked.pop(client_id, None)
            self.cond.notify_all()

    def _emit(self, recorder, client_id):
        recorder.client.emit("message", {"consultation_id": self.cid, "client_id": client_id, "text": client_id},
                             namespace=NS, callback=lambda ack=None: self._acked(client_id, ack))

    def run(self, recorder, stop_after=None):
        """Resend what is unacknowledged (in order), then send on; returns when done or disconnected."""
        try:
            for client_id in sorted(self.unacked, key=lambda c: int(c[1:])):
                self._emit(recorder, client_id)
            while self.next < PER_SENDER and (stop_after is None or self.next < stop_after):
                with self.cond:
                    if not self.cond.wait_for(lambda: len(self.unacked) < WINDOW, timeout=3):
                        return  # acks stopped coming: the server is gone
                    client_id = f"{self.who}{self.next}"
                    self.unacked[client_id] = True
                    self.next += 1
                self._emit(recorder, client_id)
                time.sleep(0.01)
        except socketio.exceptions.SocketIOError:
            return  # disconnected: what is unacked is resent after the reconnect

    def wait_all_acked(self, timeout=20):
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.acks) == PER_SENDER, timeout), (self.who, self.unacked)


@pytest.fixture()
def chat(app, accounts, client, queue):  # noqa: F811
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    tc, ack = join(app, patient, consultation["id"])
    assert ack["consultation"]["status"] == "active"
    tc.disconnect("/consult")
    return doctor, patient, consultation["id"]


def _last_seq(recorder):
    return max((m["seq"] for m in recorder.messages()), default=0)


def test_no_message_is_lost_duplicated_or_reordered_across_a_crash(chat, servers):
    doctor, patient, cid = chat
    server = servers()
    senders = {"p": ChatSender("p", cid), "d": ChatSender("d", cid)}
    first = {"p": Recorder(server.url, patient.token).connect(), "d": Recorder(server.url, doctor.token).connect()}
    for recorder in first.values():
        assert recorder.call("join", {"consultation_id": cid})["ok"]
    threads = [threading.Thread(target=senders[w].run, args=(first[w],)) for w in "pd"]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while sum(len(s.acks) for s in senders.values()) < PER_SENDER // 2:  # a quarter of the chat is through
        assert time.monotonic() < deadline, "the chat did not get going"
        time.sleep(0.01)
    server.kill()
    for thread in threads:
        thread.join(20)
    assert any(s.next < PER_SENDER for s in senders.values()), "the crash came after the chat"
    for recorder in first.values():
        recorder.client.eio.disconnect(abort=True)  # closes the socket the crash left behind

    server.start()
    second = {}
    for who, party in (("p", patient), ("d", doctor)):
        second[who] = Recorder(server.url, party.token).connect()
        seen = _last_seq(first[who])
        assert second[who].call("join", {"consultation_id": cid, "last_seq": seen})["ok"]
    threads = [threading.Thread(target=senders[w].run, args=(second[w],)) for w in "pd"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for sender in senders.values():
        sender.wait_all_acked()

    total = 2 * PER_SENDER
    for who in "pd":
        seqs = sorted(set(senders[who].acks.values()))
        assert len(seqs) == PER_SENDER  # one seq per client_id: nothing stored twice
        in_sending_order = [senders[who].acks[f"{who}{n}"] for n in range(PER_SENDER)]
        assert in_sending_order == sorted(in_sending_order)  # each sender's order is kept
        received = {m["seq"]: m["text"] for r in (first[who], second[who]) for m in r.messages()}
        second[who].wait_for(lambda r: {m["seq"] for m in r.messages()} | set(received) >= set(range(1, total + 1)))
        received.update({m["seq"]: m["text"] for m in second[who].messages()})
        assert sorted(received) == list(range(1, total + 1))  # no gap, nothing missed
    assert set(senders["p"].acks.values()) | set(senders["d"].acks.values()) == set(range(1, total + 1))
    everything = Recorder(server.url, patient.token).connect()
    everything.call("join", {"consultation_id": cid, "last_seq": 0})
    history = everything.wait_for(lambda r: len(r.messages()) == total and r.messages())
    assert sorted(m["client_id"] for m in history) == sorted(f"{w}{n}" for w in "pd" for n in range(PER_SENDER))
    for recorder in (*second.values(), everything):
        recorder.disconnect()
