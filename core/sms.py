"""Text messages to phones through a pluggable gateway (SMS_GATEWAY).

A gateway is any object with `send(phone, text)` that returns once the provider accepted the message and
raises `SmsError` when it did not (the caller answers 503 and nothing of the request is kept: the client
asks again). SMS_GATEWAY names one of GATEWAYS or a dotted path `package.module:Factory`; the factory is
called with the app's config and returns the gateway (docs/SMS.md shows a real provider plugged in).
"""
import importlib
import json
import logging
import threading
from pathlib import Path

from flask import current_app

from core.errors import ApiError

log = logging.getLogger("cloud_hospital.sms")
EXTENSION = "core.sms_gateway"
# Gateways that deliver nothing to a phone: fit for a laptop and tests, refused in production.
DEVELOPMENT_GATEWAYS = ("console", "record")


class SmsError(RuntimeError):
    """The gateway did not accept the message (provider down, refused, timed out)."""


class SmsGateway:
    """The interface: deliver `text` to the mainland mobile `phone` (11 digits) or raise SmsError."""

    def send(self, phone, text):
        raise NotImplementedError


class ConsoleGateway(SmsGateway):
    """Development: log each message (logger cloud_hospital.sms) and append it as a JSON line to `path`
    (instance/sms-outbox.jsonl), where a developer, or `make scenario`, reads the codes."""

    def __init__(self, path=None):
        self.path = Path(path) if path else None
        self._lock = threading.Lock()

    def send(self, phone, text):
        log.info("sms to %s: %s", phone, text, extra={"sms_to": phone})
        if self.path:
            line = json.dumps({"phone": phone, "text": text}, ensure_ascii=False)
            with self._lock, self.path.open("a", encoding="utf-8") as outbox:
                outbox.write(line + "\n")


class RecordGateway(SmsGateway):
    """Tests: keep the messages in memory, newest last; `fail_with` makes the next sends raise it."""

    def __init__(self):
        self.sent = []
        self.fail_with = None
        self._lock = threading.Lock()

    def send(self, phone, text):
        if self.fail_with is not None:
            raise self.fail_with
        with self._lock:
            self.sent.append((phone, text))

    def messages_to(self, phone):
        with self._lock:
            return [text for to, text in self.sent if to == phone]


GATEWAYS = {
    "console": lambda config: ConsoleGateway(config.get("SMS_CONSOLE_OUTBOX")),
    "record": lambda config: RecordGateway(),
}


def _factory(name):
    """The factory SMS_GATEWAY names, or ValueError saying why there is none."""
    if name in GATEWAYS:
        return GATEWAYS[name]
    module_name, _, attribute = name.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"must be one of {', '.join(GATEWAYS)} or a dotted path package.module:Factory, not {name!r}")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"names {name!r}, which cannot be imported ({exc})") from None


def check_gateway_setting(name):
    """Raise ValueError when SMS_GATEWAY cannot be used (core.config turns it into a ConfigError)."""
    _factory(name)


def init_app(app):
    """Build the configured gateway once per app."""
    app.extensions[EXTENSION] = _factory(app.config["SMS_GATEWAY"])(app.config)


def gateway():
    """The app's gateway (tests read a RecordGateway's messages through it)."""
    return current_app.extensions[EXTENSION]


def send(phone, text):
    """Send or answer 503 `sms_unavailable` (Retry-After): the request is rolled back and may be retried."""
    try:
        gateway().send(phone, text)
    except SmsError as exc:
        log.warning("sms gateway refused a message: %s", exc)
        raise ApiError(503, "sms_unavailable", "The text message could not be sent; try again shortly.",
                       title="Service unavailable", headers={"Retry-After": "30"}, retry_after=30) from None
