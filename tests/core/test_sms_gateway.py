"""The pluggable SMS gateway (core.sms): chosen by SMS_GATEWAY, checked at start-up, a provider plugs in by
dotted path, the development gateway logs and keeps an outbox file."""
import json

import pytest

from cloud_hospital.app import create_app
from core import sms
from core.config import ConfigError


class ProviderGateway(sms.SmsGateway):
    """What a real provider's adapter looks like: built from the config, send() or SmsError."""

    def __init__(self, config):
        self.sender_id = config.get("SMS_SENDER_ID", "CLOUDHOSP")
        self.sent = []

    def send(self, phone, text):
        self.sent.append((self.sender_id, phone, text))


@pytest.mark.parametrize("name, says", [
    ("carrier-pigeon", "SMS_GATEWAY must be one of console, record or a dotted path"),
    ("no_such_module:Gateway", "SMS_GATEWAY names 'no_such_module:Gateway', which cannot be imported"),
])
def test_an_unusable_gateway_is_refused_at_start_up(monkeypatch, tmp_path, name, says):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SMS_GATEWAY", name)
    with pytest.raises(ConfigError, match=says):
        create_app({"TESTING": True})


@pytest.mark.parametrize("name, value", [("PHONE_CODE_MAX_ATTEMPTS", "0"), ("PHONE_CODE_TTL_SECONDS", "ten")])
def test_registration_limits_must_be_usable(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        create_app({"TESTING": True})


def test_production_refuses_a_gateway_that_reaches_no_phone(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    config = {"ENV": "production", "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db"}
    with pytest.raises(ConfigError, match="Production refuses SMS_GATEWAY=console"):
        create_app({"TESTING": True, **config})


def test_a_provider_plugs_in_by_dotted_path(app, make_app, accounts):
    other = make_app(SMS_GATEWAY=f"{__name__}:ProviderGateway", SMS_SENDER_ID="NBHOSP")
    client = other.test_client()
    assert client.post("/api/v1/auth/phone-codes", json={"phone": "13600000001"}).status_code == 202
    [(sender, phone, text)] = other.extensions[sms.EXTENSION].sent
    assert (sender, phone) == ("NBHOSP", "13600000001") and "registration code" in text


def test_the_console_gateway_logs_and_keeps_an_outbox_file(tmp_path, caplog):
    caplog.set_level("INFO", logger="cloud_hospital.sms")
    outbox = tmp_path / "sms-outbox.jsonl"
    gateway = sms.ConsoleGateway(outbox)
    gateway.send("13600000002", "code 123456")
    gateway.send("13600000003", "hello")
    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    assert lines == [{"phone": "13600000002", "text": "code 123456"}, {"phone": "13600000003", "text": "hello"}]
    assert "code 123456" in caplog.text
