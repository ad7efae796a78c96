"""The video call's ICE servers: the configured STUN servers and, with a TURN server configured, a TURN REST API
credential for the participant who asks, valid until a stated time; nobody outside the consultation gets one,
and a bad setting stops the start with one line."""
import base64
import hashlib
import hmac
from datetime import datetime, timedelta, timezone

import pytest

from clinic.consult import ice
from core import clock
from core.config import ConfigError
from tests.clinic.consult.helpers import join, make_doctor, start_consultation

STUN = [{"urls": ["stun:stun.ningbo-cloud.example:3478"]}]
TURN_URLS = ["turn:turn.ningbo-cloud.example:3478?transport=udp", "turns:turn.ningbo-cloud.example:5349"]
SECRET = "coturn-static-auth-secret"
NOW = datetime(2026, 12, 7, 1, 30, tzinfo=timezone.utc)  # 09:30 in Ningbo


@pytest.fixture()
def turn(app, monkeypatch):
    monkeypatch.setitem(app.config, "ICE_SERVERS", STUN)
    monkeypatch.setitem(app.config, "TURN_URLS", TURN_URLS)
    monkeypatch.setitem(app.config, "TURN_SECRET", SECRET)
    monkeypatch.setitem(app.config, "TURN_CREDENTIAL_TTL_SECONDS", 600)
    clock.set_clock(lambda: NOW)
    yield
    clock.set_clock(None)


def _ice(client, consultation_id, party):
    return client.get(f"/api/v1/consultations/{consultation_id}/ice-servers", headers=party.headers)


def test_each_participant_gets_stun_and_their_own_short_lived_turn_credential(app, accounts, client, queue, turn):
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    for party in (patient, doctor):
        r = _ice(client, consultation["id"], party)
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        expiry = NOW + timedelta(seconds=600)
        assert datetime.fromisoformat(body["expires_at"]) == expiry
        stun, relay = body["ice_servers"]
        assert stun == STUN[0]
        assert relay["urls"] == TURN_URLS
        # What coturn computes from its static-auth-secret to accept the credential
        assert relay["username"] == f"{int(expiry.timestamp())}:{party.user_id}"
        expected = base64.b64encode(hmac.new(SECRET.encode(), relay["username"].encode(), hashlib.sha1).digest())
        assert relay["credential"] == expected.decode()
        assert SECRET not in r.get_data(as_text=True)


def test_without_turn_only_the_configured_servers_and_no_expiry(app, accounts, client, queue, monkeypatch):
    monkeypatch.setitem(app.config, "ICE_SERVERS", STUN)
    monkeypatch.setitem(app.config, "TURN_URLS", [])
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    body = _ice(client, consultation["id"], patient).get_json()
    assert body == {"ice_servers": STUN, "expires_at": None}


def test_nobody_outside_the_consultation_gets_a_credential(app, accounts, client, queue, turn):
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    stranger = make_doctor(app, accounts, username="drzhou")
    _, admin = accounts.admin()
    assert _ice(client, consultation["id"], stranger).status_code == 403
    r = client.get(f"/api/v1/consultations/{consultation['id']}/ice-servers", headers=admin)
    assert r.status_code == 403 and r.get_json()["code"] == "forbidden"
    assert client.get(f"/api/v1/consultations/{consultation['id']}/ice-servers").status_code == 401
    assert _ice(client, "no-such-consultation", patient).status_code == 404


def test_an_ended_consultation_gives_no_credential(app, accounts, client, queue, turn):
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    tc, ack = join(app, patient, consultation["id"])
    assert ack["ok"], ack
    r = client.post(f"/api/v1/consultations/{consultation['id']}/end", headers=doctor.headers,
                    json={"note": "Stable.", "diagnoses": [{"code": "I10", "display": "Hypertension"}]})
    assert r.status_code == 200, r.get_json()
    r = _ice(client, consultation["id"], patient)
    assert r.status_code == 409 and r.get_json()["code"] == "consultation_over"


@pytest.mark.parametrize("settings, message", [
    ({"ICE_SERVERS": "stun:nope"}, "ICE_SERVERS must be a JSON list"),
    ({"ICE_SERVERS": '{"urls": "stun:a"}'}, "ICE_SERVERS must be a JSON list of objects"),
    ({"ICE_SERVERS": '[{"urls": ["http://a"]}]'}, "stun:, stuns:, turn: or turns:"),
    ({"TURN_URLS": "stun:a:3478", "TURN_SECRET": "s"}, "TURN_URLS must list turn: or turns:"),
    ({"TURN_URLS": "turn:a:3478"}, "TURN_SECRET is not"),
    ({"TURN_URLS": "turn:a:3478", "TURN_SECRET": "s", "TURN_CREDENTIAL_TTL_SECONDS": 0}, "positive"),
])
def test_a_bad_setting_is_one_clear_configuration_error(settings, message):
    config = {"ICE_SERVERS": "", "TURN_URLS": "", "TURN_SECRET": "", "TURN_CREDENTIAL_TTL_SECONDS": 3600, **settings}
    with pytest.raises(ConfigError, match=message):
        ice.check_settings(config)


def test_settings_from_the_environment_are_parsed_once():
    config = {"ICE_SERVERS": '[{"urls": "stun:stun.example:3478"}]', "TURN_URLS": " turn:a:3478 , turns:a:5349",
              "TURN_SECRET": "s", "TURN_CREDENTIAL_TTL_SECONDS": 60}
    ice.check_settings(config)
    assert config["ICE_SERVERS"] == [{"urls": ["stun:stun.example:3478"]}]
    assert config["TURN_URLS"] == ["turn:a:3478", "turns:a:5349"]
