"""records.json_text: orjson writes the values json.dumps would; what orjson refuses (integers past 64 bits, lone
surrogates) the standard library writes."""
import json

import pytest

from records import json_text

VALUES = [
    {"resourceType": "Observation", "valueQuantity": {"value": 72.5, "unit": "/min"}, "id": "a.b-1"},
    {"name": [{"text": "张伟", "family": "张"}], "emoji": "🩺", "quote": "\"\\/\n\t", "empty": {}, "list": []},
    {"small": 0.00001, "big": 1e16, "negative": -0.0, "int": 2**63 - 1, "min": -(2**63), "bool": True, "none": None},
    {"past64": 123456789012345678901234567890, "negative_past64": -(10**25)},
    {"u64": 2**64 - 1, "nested": [[{"a": [1, 2.5, "x"]}]]},
]


@pytest.mark.parametrize("value", VALUES)
def test_dumps_writes_the_same_values_compactly(value):
    encoded = json_text.dumps(value)
    assert isinstance(encoded, bytes) and b": " not in encoded and b", " not in encoded
    decoded = json.loads(encoded)
    assert decoded == value
    assert json.dumps(decoded) == json.dumps(value), "the same types (an int stays an int)"


def test_an_integer_past_64_bits_keeps_every_digit():
    assert json_text.dumps({"v": 10**30}) == b'{"v":1000000000000000000000000000000}'


def test_a_lone_surrogate_is_written_as_its_escape():
    assert json_text.dumps({"d": "\ud800"}) == b'{"d":"\\ud800"}'


def test_non_ascii_is_written_as_utf8_not_escaped():
    assert json_text.dumps({"name": "张伟"}) == '{"name":"张伟"}'.encode()
