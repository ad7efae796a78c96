"""The JSON bytes of FHIR answers, through orjson (a compiled encoder), with the standard library for what orjson
refuses.

Why, measured: encoding the answer was a sixth of a FHIR search's CPU in a gunicorn worker (py-spy --gil,
`Patient?family=`); a searchset Bundle of 17 Observations takes 0.008 ms against 0.10 ms with json.dumps, of 50
0.02 against 0.30 ms, of 1,000 0.58 against 9.0 ms (docs/PERFORMANCE.md). The text differs
from json.dumps only in how some numbers are spelt ("0.00001" for "1e-05"), never in their values. Reading
stays with the standard library: orjson reads an integer past 64 bits as a float, and checking the text for
one first cost more than orjson saved (4.4 us a stored Patient against 3.1 us).
"""
import json

import orjson


def dumps(value):
    """Compact UTF-8 JSON bytes of `value`."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: an integer past 64 bits, a lone surrogate, a non-str key
        # ASCII with \u escapes: a lone surrogate has no UTF-8 form, its escape is valid JSON.
        return json.dumps(value, separators=(",", ":")).encode()
