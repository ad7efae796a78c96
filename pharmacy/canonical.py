"""The canonical form of a prescription that the doctor's signature covers (pure, no Flask).

Canonical JSON: keys sorted, no insignificant whitespace, UTF-8 (non-ASCII kept as is), integers
only for numbers, times as UTC ISO 8601 with a trailing Z and whole seconds. Any change to a signed
field changes these bytes, so the signature no longer verifies.
"""
import json
from datetime import timezone

FORMAT = "cloud-hospital/prescription/1"
ITEM_FIELDS = ("code", "system", "display", "dose", "frequency", "route", "quantity", "days_supply", "notes")


def utc_text(moment):
    """An aware datetime as '2026-01-02T03:04:05Z' (whole seconds)."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def prescription_document(prescription_id, patient_id, practitioner_id, consultation_id, issued_at, items):
    """The signed document as a dict: what the doctor vouches for."""
    return {
        "format": FORMAT,
        "id": prescription_id,
        "patient": patient_id,
        "practitioner": practitioner_id,
        "consultation": consultation_id,
        "issued_at": utc_text(issued_at),
        "items": [{field: item.get(field) for field in ITEM_FIELDS} for item in items],
    }


def canonical_bytes(document):
    """Canonical JSON bytes of a document (sorted keys, no whitespace, UTF-8)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")
