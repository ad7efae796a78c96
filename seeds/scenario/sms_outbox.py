"""The scenario reads its registration code where the service's development SMS gateway writes it
(core.sms.ConsoleGateway): SMS_CONSOLE_OUTBOX, else sms-outbox.jsonl in the instance folder the service
uses (INSTANCE_PATH, else the checkout's instance/), as `make run` and `make scenario` share them."""
import json
import os
import re
from pathlib import Path

from core.config import default_instance_path


def outbox_path():
    """Where the service started from this checkout and environment writes its text messages."""
    configured = os.environ.get("SMS_CONSOLE_OUTBOX")
    if configured:
        return Path(configured)
    return Path(os.environ.get("INSTANCE_PATH") or default_instance_path()) / "sms-outbox.jsonl"


def last_code_sent_to(phone):
    """The six-digit code of the newest message to `phone`, or None (no message, or a message without one:
    the warning a phone with an account gets)."""
    path = outbox_path()
    if not path.is_file():
        return None
    texts = [entry["text"] for entry in map(json.loads, path.read_text(encoding="utf-8").splitlines())
             if entry.get("phone") == phone]
    found = re.search(r"\b(\d{6})\b", texts[-1]) if texts else None
    return found.group(1) if found else None
