"""Guards against hostile input that every surface shares (HTTP JSON bodies, query strings, Socket.IO
payloads): JSON nested deeper than any real document, NUL characters, which PostgreSQL cannot store
in text and which no field of ours has a use for, and absurd numbers. Pure: no Flask, no database."""
import json
import math
import re
from itertools import accumulate

# A FHIR transaction Bundle with contained resources and extensions stays far below this; Python's
# own JSON decoder raises RecursionError near 1,000 levels, and the recursive walks after it (validation,
# reference rewriting, copies) would fail well before that.
MAX_DEPTH = 100


class UnsafePayload(ValueError):
    """A payload refused before any handler sees it; the message says why."""


# The largest integer any column or computation of ours takes (a signed 64-bit integer). Larger literals
# are refused before they are converted: Python refuses to convert one of more than 4,300 digits
# (sys.int_info.default_max_str_digits) with a ValueError, which would otherwise surface as a 500.
MAX_INTEGER = 2**63 - 1
_MAX_INTEGER_DIGITS = len(str(MAX_INTEGER))

# A JSON string (escapes unrolled), a NUL escape after an even number of backslashes, and every byte
# that is not a bracket (deleted with bytes.translate, which runs at memcpy speed).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def check_json_text(raw):
    """UnsafePayload when the JSON text `raw` (bytes) nests deeper than MAX_DEPTH or a string in it holds
    a NUL. Reads the text without parsing it (~20 ms of CPU per MB of Bundle); for valid JSON
    the answer is exact, and invalid JSON is the caller's 400 either way. A raw NUL byte is invalid JSON."""
    if b"\\u0000" in raw and _NUL_ESCAPE.search(raw):
        raise UnsafePayload("Text must not contain NUL (U+0000) characters.")
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    if max(accumulate(1 if b in b"[{" else -1 for b in brackets), default=0) > MAX_DEPTH:
        raise UnsafePayload(f"The JSON is nested more than {MAX_DEPTH} levels deep.")


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


def _integer(text):
    if len(text.lstrip("-")) > _MAX_INTEGER_DIGITS or abs(value := int(text)) > MAX_INTEGER:
        raise UnsafePayload(f"A number in the JSON is too large: integers must lie within ±{MAX_INTEGER}.")
    return value


def _real(text):
    value = float(text)
    if not math.isfinite(value):  # 1e999 overflows to infinity
        raise UnsafePayload("A number in the JSON is too large for a double-precision number.")
    return value


def _constant(name):
    raise UnsafePayload(f"{name} is not a JSON number (RFC 8259): numbers must be finite.")


def loads_strict(text):
    """Parse JSON text (str) like json.loads, but UnsafePayload for a number no field of ours can take: an
    integer beyond ±MAX_INTEGER, a real that overflows to infinity, and NaN / Infinity / -Infinity (not
    JSON, though Python's decoder accepts them). Malformed JSON still raises json.JSONDecodeError."""
    return json.loads(text, parse_int=_integer, parse_float=_real, parse_constant=_constant)
