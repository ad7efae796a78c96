"""The /consult namespace over a live server with the real python-socketio client (websocket
transport, and long-polling where noted): authorisation, ordering, ack after persistence,
de-duplication, replay after a forced disconnect, signalling, presence, payload validation."""
import threading

import pytest
import socketio as socketio_client
from sqlalchemy import select

from clinic.consult.models import ConsultMessage
from core.extensions import db
from tests.clinic.consult.helpers import make_patient, start_consultation
from tests.clinic.consult.sockets import Recorder

pytestmark = pytest.mark.live


@pytest.fixture()
def consult(app, accounts, client, queue, live_server):
    doctor, patient, room_id, consultation = start_consultation(app, accounts, client, queue)
    opened = []

    def connect(party, transports=("websocket",)):
        recorder = Recorder(live_server.url, party.token, transports).connect()
        opened.append(recorder)
        return recorder

    yield doctor, patient, consultation["id"], connect
    for recorder in opened:
        recorder.disconnect()


def test_a_bad_token_is_refused_at_connect(live_server):
    client = socketio_client.Client(reconnection=False)
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        client.connect(live_server.url, auth={"token": "forged"}, namespaces=["/consult"], transports=["websocket"],
                       wait_timeout=5)


def test_only_participants_join_and_a_stranger_is_refused(app, accounts, client, consult):
    doctor, patient, cid, connect = consult
    stranger = connect(make_patient(app, accounts, client, eligible=False, name="Stranger"))
    ack = stranger.call("join", {"consultation_id": cid})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert stranger.wait_for(lambda r: r.of("error"))[0]["code"] == "forbidden"
    assert stranger.call("message", {"consultation_id": cid, "client_id": "x", "text": "hi"})["error"]["code"] == \
        "not_joined"
    assert connect(patient).call("join", {"consultation_id": cid})["ok"] is True
    assert connect(doctor).call("join", {"consultation_id": cid})["ok"] is True


def test_a_guardian_registered_on_the_consultation_may_join(app, accounts, client, queue, live_server):
    guardian = make_patient(app, accounts, client, eligible=False, name="Guardian")
    _, patient, _, consultation = start_consultation(app, accounts, client, queue, guardian_user_ids=[guardian.user_id])
    recorder = Recorder(live_server.url, guardian.token).connect()
    try:
        ack = recorder.call("join", {"consultation_id": consultation["id"]})
        assert ack["ok"] and ack["role"] == "guardian"
    finally:
        recorder.disconnect()


def test_messages_are_acked_after_they_are_stored_and_arrive_in_order(app, consult):
    doctor, patient, cid, connect = consult
    p, d = connect(patient), connect(doctor, transports=("polling",))  # the doctor on long-polling
    p.call("join", {"consultation_id": cid})
    d.call("join", {"consultation_id": cid})
    for n in range(1, 21):
        sender = p if n % 2 else d
        ack = sender.call("message", {"consultation_id": cid, "client_id": f"c{n}", "text": f"t{n}"})
        assert ack == {"ok": True, "seq": n, "duplicate": False}
        with app.app_context():  # the ack came after the commit: the row is there
            assert db.session.scalar(select(ConsultMessage.text).where(
                ConsultMessage.consultation_id == cid, ConsultMessage.seq == n)) == f"t{n}"
    for recorder in (p, d):
        recorder.wait_for(lambda r: len(r.of("message")) == 20)
        assert [m["seq"] for m in recorder.of("message")] == list(range(1, 21))
        assert [m["text"] for m in recorder.of("message")] == [f"t{n}" for n in range(1, 21)]


def test_concurrent_senders_get_distinct_gapless_seqs(app, consult):
    doctor, patient, cid, connect = consult
    p, d = connect(patient), connect(doctor)
    p.call("join", {"consultation_id": cid})
    d.call("join", {"consultation_id": cid})
    acks = {"p": [], "d": []}

    def send(recorder, key):
        for n in range(15):
            acks[key].append(recorder.call("message", {"consultation_id": cid, "client_id": f"{key}{n}", "text": key}))

    threads = [threading.Thread(target=send, args=(p, "p")), threading.Thread(target=send, args=(d, "d"))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    seqs = sorted(a["seq"] for a in acks["p"] + acks["d"])
    assert seqs == list(range(1, 31))
    for recorder in (p, d):
        recorder.wait_for(lambda r: len(r.of("message")) == 30)
        assert [m["seq"] for m in recorder.of("message")] == list(range(1, 31))  # emitted in seq order


def test_a_retried_client_id_is_stored_once_and_gets_the_original_seq(app, consult):
    _, patient, cid, connect = consult
    p = connect(patient)
    p.call("join", {"consultation_id": cid})
    first = p.call("message", {"consultation_id": cid, "client_id": "same", "text": "once"})
    again = p.call("message", {"consultation_id": cid, "client_id": "same", "text": "once"})
    assert (first["seq"], again["seq"], again["duplicate"]) == (1, 1, True)
    assert p.call("message", {"consultation_id": cid, "client_id": "next", "text": "two"})["seq"] == 2
    with app.app_context():
        assert db.session.query(ConsultMessage).filter_by(consultation_id=cid).count() == 2


def test_the_same_client_id_from_the_other_participant_is_a_new_message(app, consult):
    """A retry is the same sender's client_id: the doctor cannot be silenced by the patient using (or guessing)
    the doctor's client ids, and two apps counting from 1 do not swallow each other's messages."""
    doctor, patient, cid, connect = consult
    p, d = connect(patient), connect(doctor)
    p.call("join", {"consultation_id": cid})
    d.call("join", {"consultation_id": cid})
    mine = p.call("message", {"consultation_id": cid, "client_id": "m1", "text": "from the patient"})
    theirs = d.call("message", {"consultation_id": cid, "client_id": "m1", "text": "from the doctor"})
    assert (mine["seq"], mine["duplicate"], theirs["seq"], theirs["duplicate"]) == (1, False, 2, False)
    retried = d.call("message", {"consultation_id": cid, "client_id": "m1", "text": "from the doctor"})
    assert (retried["seq"], retried["duplicate"]) == (2, True)
    with app.app_context():
        texts = [m.text for m in db.session.query(ConsultMessage).filter_by(consultation_id=cid).order_by(ConsultMessage.seq)]
    assert texts == ["from the patient", "from the doctor"]


def test_missed_messages_are_replayed_after_a_forced_disconnect(consult):
    doctor, patient, cid, connect = consult
    p, d = connect(patient), connect(doctor)
    p.call("join", {"consultation_id": cid})
    d.call("join", {"consultation_id": cid})
    d.call("message", {"consultation_id": cid, "client_id": "d1", "text": "before"})
    p.wait_for(lambda r: r.of("message"))
    p.client.eio.disconnect(abort=True)  # the network drops: no goodbye
    d.wait_for(lambda r: r.of("peer_left"))
    for n in range(2, 6):
        d.call("message", {"consultation_id": cid, "client_id": f"d{n}", "text": f"missed {n}"})
    back = connect(patient, transports=("polling", "websocket"))
    ack = back.call("join", {"consultation_id": cid, "last_seq": 1})
    assert ack["ok"] and ack["last_seq"] == 5
    history = back.wait_for(lambda r: [h for h in r.of("history") if h["complete"]])
    assert [m["text"] for m in history[0]["messages"]] == [f"missed {n}" for n in range(2, 6)]
    assert d.wait_for(lambda r: r.of("peer_rejoined"))[0]["user_id"] == patient.user_id
    d.call("message", {"consultation_id": cid, "client_id": "d6", "text": "live again"})
    assert back.wait_for(lambda r: r.of("message"))[0]["seq"] == 6


def test_signals_reach_only_the_other_party_and_a_rejoin_is_announced(app, accounts, client, consult):
    doctor, patient, cid, connect = consult
    p, d = connect(patient), connect(doctor)
    p.call("join", {"consultation_id": cid})
    d.call("join", {"consultation_id": cid})
    offer = {"sdp": "v=0 o=- 1 2 IN IP4 127.0.0.1", "type": "offer"}
    ack = d.call("signal", {"consultation_id": cid, "type": "offer", "payload": offer})
    assert ack == {"ok": True, "delivered_to": [patient.user_id]}
    got = p.wait_for(lambda r: r.of("signal"))[0]
    assert got == {"consultation_id": cid, "from": doctor.user_id, "from_role": "doctor", "type": "offer",
                   "payload": offer}
    p.call("signal", {"consultation_id": cid, "to": doctor.user_id, "type": "answer", "payload": {"sdp": "x"}})
    d.wait_for(lambda r: r.of("signal"))
    assert d.of("signal")[0]["type"] == "answer" and len(p.of("signal")) == 1  # no echo to the sender
    bad = p.call("signal", {"consultation_id": cid, "to": "someone-else", "type": "ice", "payload": {}})
    assert bad["error"]["code"] == "unknown_peer"
    p.disconnect()
    again = connect(patient)
    again.call("join", {"consultation_id": cid})
    assert d.wait_for(lambda r: r.of("peer_rejoined"))[0]["role"] == "patient"


def test_bad_payloads_get_an_error_and_the_connection_lives_on(consult):
    doctor, patient, cid, connect = consult
    p, d = connect(patient), connect(doctor)
    p.call("join", {"consultation_id": cid})
    d.call("join", {"consultation_id": cid})
    for event, payload in [("join", "not a dict"), ("join", {}), ("message", {"consultation_id": cid}),
                           ("message", {"consultation_id": cid, "client_id": "x", "text": "a", "attachment_id": "b"}),
                           ("signal", {"consultation_id": cid, "type": "bogus"}), ("typing", None),
                           ("message", {"consultation_id": cid, "client_id": "y" * 65, "text": "a"})]:
        ack = p.call(event, payload)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid_payload", (event, payload, ack)
    assert len(p.wait_for(lambda r: len(r.of("error")) == 7 and r.of("error"))) == 7
    assert p.call("message", {"consultation_id": cid, "client_id": "ok", "text": "still connected"})["seq"] == 1
    d.wait_for(lambda r: r.of("message"))
    p.call("typing", {"consultation_id": cid})
    assert d.wait_for(lambda r: r.of("typing"))[0]["user_id"] == patient.user_id


def test_the_doctor_ends_over_the_socket_and_the_encounter_is_in_the_record(client, consult):
    doctor, patient, cid, connect = consult
    p, d = connect(patient), connect(doctor)
    p.call("join", {"consultation_id": cid})
    d.call("join", {"consultation_id": cid})
    p.call("message", {"consultation_id": cid, "client_id": "p1", "text": "thank you doctor"})
    assert p.call("end", {"consultation_id": cid})["error"]["code"] == "forbidden"
    ack = d.call("end", {"consultation_id": cid, "note": "stable", "diagnoses": [{"code": "I10"}]})
    assert ack["ok"] and ack["consultation"]["status"] == "closed"
    assert p.wait_for(lambda r: r.of("consultation_ended"))[0]["encounter_id"] == ack["consultation"]["encounter_id"]
    bundle = client.get(f"/fhir/Encounter?patient={patient.patient_id}", headers=patient.headers).get_json()
    assert [e["resource"]["id"] for e in bundle["entry"] if e["resource"]["class"]["code"] == "VR"] == [
        ack["consultation"]["encounter_id"]]
    conditions = client.get(f"/fhir/Condition?patient={patient.patient_id}&encounter=Encounter/"
                            f"{ack['consultation']['encounter_id']}", headers=patient.headers).get_json()
    assert conditions["total"] == 1 if "total" in conditions else len(conditions["entry"]) == 1
