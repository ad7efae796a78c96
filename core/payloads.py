"""Guards against hostile input that every surface shares (HTTP JSON bodies, query strings, Socket.IO
payloads): JSON nested deeper than any real document, and NUL characters, which PostgreSQL cannot store
in text and which no field of ours has a use for. Pure: no Flask, no database."""
import json

# A FHIR transaction Bundle with contained resources and extensions stays far below this; Python's
# own JSON decoder raises RecursionError near 1,000 levels, and every recursive walk after it would too.
MAX_DEPTH = 100


class UnsafePayload(ValueError):
    """A payload refused before any handler sees it; the message says why."""


def loads(raw):
    """json.loads that refuses (UnsafePayload) what is too deeply nested or holds a NUL character.
    Other malformed JSON raises ValueError as json.loads does."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise UnsafePayload(f"The JSON is nested more than {MAX_DEPTH} levels deep.") from None
    check(value)
    return value


def check(value, max_depth=MAX_DEPTH):
    """UnsafePayload when `value` (parsed JSON, or a Socket.IO payload) nests deeper than `max_depth`, a
    string (value or key) holds a NUL character, or it carries binary data. Iterative, so depth itself
    cannot exhaust the stack."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise UnsafePayload("Text must not contain NUL (U+0000) characters.")
        elif isinstance(item, (bytes, bytearray)):  # Socket.IO can carry binary; no field of ours takes it
            raise UnsafePayload("Binary data is not accepted here.")
        elif isinstance(item, (dict, list, tuple)):
            if depth > max_depth:
                raise UnsafePayload(f"The JSON is nested more than {max_depth} levels deep.")
            if isinstance(item, dict):
                pending.extend((key, depth) for key in item)
                pending.extend((child, depth + 1) for child in item.values())
            else:
                pending.extend((child, depth + 1) for child in item)


def has_nul(*texts):
    """True when any of the strings holds a NUL character."""
    return any("\x00" in text for text in texts if isinstance(text, str))
