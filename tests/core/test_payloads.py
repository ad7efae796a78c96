"""core.payloads and the HTTP boundary: absurd nesting, NUL characters and binary data are refused
with a 400 before any handler or the database sees them (found by tests/reliability fuzzing)."""
import json

import pytest

from core import payloads

DEEP_ARRAYS = "[" * 10_000 + "]" * 10_000


def test_ten_thousand_levels_are_refused_without_a_recursion_error():
    with pytest.raises(payloads.UnsafePayload, match="nested"):
        payloads.check_json_text(DEEP_ARRAYS.encode())
    with pytest.raises(payloads.UnsafePayload, match="nested"):
        payloads.check(json.loads("[" * 150 + "]" * 150))  # decodable, still past the limit


def test_nul_characters_in_values_and_keys_and_binary_data_are_refused():
    for text in (r'{"a": "x\u0000"}', r'{"a\u0000": 1}', r'["ok", ["\\\u0000"]]'):
        with pytest.raises(payloads.UnsafePayload):
            payloads.check_json_text(text.encode())
    for value in ({"a": "x\x00"}, {"a\x00": 1}, ["ok", ["\x00"]], {"text": b"bytes"}):
        with pytest.raises(payloads.UnsafePayload):
            payloads.check(value)


def test_ordinary_documents_pass_and_brackets_or_escapes_inside_strings_do_not_count():
    nested = {"item": [{"item": [{"item": [{"linkId": "1", "text": "ok 中文"}]}]}]}
    payloads.check_json_text(json.dumps(nested, ensure_ascii=False).encode())
    payloads.check(nested)
    payloads.check_json_text(json.dumps({"note": "[" * 500 + '{"\\"', "path": "C:\\u0000"}).encode())
    bundle = {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient"}}] * 5000}
    payloads.check_json_text(json.dumps(bundle).encode())


def test_the_app_api_answers_problem_details_for_deep_json_and_nul(client):
    for body, query in ((DEEP_ARRAYS, ""), (json.dumps({"username": "a\x00", "password": "x"}), ""),
                        ('{"username": "a", "password": "b"}', "?x=%00")):
        r = client.post(f"/api/v1/auth/token{query}", data=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, r.get_data(as_text=True)
        assert r.mimetype == "application/problem+json" and r.get_json()["status"] == 400


def test_the_fhir_api_answers_an_operation_outcome_for_deep_json(client, accounts):
    _, admin = accounts.admin()
    r = client.post("/fhir/Patient", data='{"resourceType": "Patient", "extension": ' + DEEP_ARRAYS + "}",
                    headers={**admin, "Content-Type": "application/fhir+json"})
    assert r.status_code == 400 and r.get_json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("text", ["9" * 5000, "-" + "9" * 5000, str(2**63), str(-(2**63) - 1), "1e999", "-1e999",
                                  "NaN", "Infinity", "-Infinity", '{"a": [{"b": %s}]}' % ("9" * 5000)])
def test_absurd_numbers_are_refused_by_the_strict_parse(text):
    with pytest.raises(payloads.UnsafePayload):
        payloads.loads_strict(text)


def test_the_strict_parse_keeps_every_ordinary_number():
    text = '[0, -1, %d, %d, 0.5, -2.5e-300, 1e300, 12345678901234567890.5]' % (2**63 - 1, -(2**63 - 1))
    assert payloads.loads_strict(text) == json.loads(text)
    with pytest.raises(json.JSONDecodeError):
        payloads.loads_strict('{"a": 01}')


def test_the_app_api_answers_400_for_a_5000_digit_integer(client):
    r = client.post("/api/v1/auth/token", data='{"username": %s, "password": "x"}' % ("9" * 5000),
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.mimetype == "application/problem+json", r.get_data(as_text=True)
    assert r.get_json()["code"] == "bad_request" and "too large" in r.get_json()["detail"]
