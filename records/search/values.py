"""Value normalisation shared by index extraction and query parsing (no Flask, no database).

Dates become [low, high) UTC ranges per their precision (https://hl7.org/fhir/R4/search.html#date);
numbers become [low, high) ranges per their significant figures (https://hl7.org/fhir/R4/search.html#number);
strings are compared case- and accent-insensitively (https://hl7.org/fhir/R4/search.html#string).
"""
import math
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

MIN_DATETIME = datetime(1, 1, 1, tzinfo=timezone.utc)
MAX_DATETIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
STRING_MAX = 255  # index column width; longer values are indexed by their prefix

_DATE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d+))?)?(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$")


def normalise_string(value):
    """Lowercase, strip accents (NFKD minus combining marks), collapse spaces; CJK passes through."""
    decomposed = unicodedata.normalize("NFKD", str(value))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())[:STRING_MAX]


def prefix_upper_bound(prefix):
    """The smallest string greater than every string starting with `prefix` (code-point order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else None


def parse_date_range(text):
    """'1980' -> [1980-01-01, 1981-01-01) etc.; None when `text` is not a FHIR date/dateTime/instant."""
    match = _DATE.match(text.strip()) if isinstance(text, str) else None
    if not match:
        return None
    g = match.groupdict()
    tz = timezone.utc
    try:
        if g["tz"] and g["tz"] != "Z":  # an offset of 24 hours or more is refused by timezone()
            sign = 1 if g["tz"][0] == "+" else -1
            tz = timezone(sign * timedelta(hours=int(g["tz"][1:3]), minutes=int(g["tz"][4:6])))
        year = int(g["y"])
        if g["m"] is None:
            return _utc(datetime(year, 1, 1, tzinfo=tz)), _utc(datetime(year + 1, 1, 1, tzinfo=tz)) \
                if year < 9999 else MAX_DATETIME
        month = int(g["m"])
        if g["d"] is None:
            low = datetime(year, month, 1, tzinfo=tz)
            high = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
            return _utc(low), _utc(high)
        day = datetime(year, month, int(g["d"]), tzinfo=tz)
        if g["H"] is None:
            return _utc(day), _utc(day + timedelta(days=1))
        low = day.replace(hour=int(g["H"]), minute=int(g["M"]))
        if g["S"] is None:
            return _utc(low), _utc(low + timedelta(minutes=1))
        low = low.replace(second=int(g["S"]))
        if g["f"] is None:
            return _utc(low), _utc(low + timedelta(seconds=1))
        digits = g["f"][:6]
        low = low.replace(microsecond=int(digits.ljust(6, "0")))
        return _utc(low), _utc(low + timedelta(microseconds=10 ** (6 - len(digits))))
    except (ValueError, OverflowError):
        return None


def _utc(value):
    return value.astimezone(timezone.utc)


def parse_number_range(text):
    """'5.4' -> (5.4, 5.35, 5.45): the value and its implicit precision range; None if not a number."""
    try:
        number = Decimal(text.strip())
        if not number.is_finite():
            return None
        half = Decimal(5).scaleb(number.as_tuple().exponent - 1)
        bounds = float(number), float(number - half), float(number + half)
    except (ArithmeticError, AttributeError):  # InvalidOperation, Overflow, Underflow ("1e999999999")
        return None
    return bounds if all(math.isfinite(b) for b in bounds) else None  # beyond a float column's range


def split_reference(reference):
    """'Patient/1', 'http://host/fhir/Patient/1/_history/2' -> ('Patient', '1'); otherwise (None, None)."""
    if not isinstance(reference, str) or not reference or reference.startswith("#"):
        return None, None
    parts = reference.split("/_history/")[0].rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2][:1].isupper() and parts[-2].isalpha():
        return parts[-2], parts[-1]
    return None, None
