"""Absurd numbers in a JSON body (a 5,000-digit integer, one past 64 bits, 1e999, NaN, Infinity), at the top
level or nested, answer 400 problem details on every app-API operation that takes a JSON body, never a
500 (core.payloads.loads_strict, read by core.blueprint's parser). Each operation is called as a role
the matrix allows, so the body is read rather than refused before it."""
import pytest

from tests.reliability.authz.api_matrix import MATRIX
from tests.reliability.authz.test_api_matrix import _fill

HUGE = "9" * 5000
ABSURD = {"5000-digit integer": HUGE, "negative 5000-digit integer": "-" + HUGE, "2**63": str(2**63),
          "1e999": "1e999", "-1e999": "-1e999", "NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity"}


def json_body_operations(client):
    """(method, path, property names) of every operation whose request body is JSON."""
    document = client.get("/api/v1/openapi.json").get_json()
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            if "application/json" in content:
                schema = content["application/json"]["schema"]
                if "$ref" in schema:
                    schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
                found.append((method.upper(), path, sorted(schema.get("properties", {})) or ["value"]))
    return found


def _bodies(names, number):
    """The number as every top-level property, and deep inside a list of objects."""
    flat = "{" + ", ".join(f'"{name}": {number}' for name in names) + "}"
    nested = '{"%s": [{"a": [1, {"b": %s}]}]}' % (names[0], number)
    return {"flat": flat, "nested": nested}


def _caller(route):
    rule = MATRIX[route]
    allowed = [role for role in ("pa", "d1", "p1", "rv", "admin", "pb", "d2", "p2", "n1", "anon")
               if role in rule.roles() and role not in rule.skip]
    return allowed[0] if allowed else None


def test_every_json_body_operation_refuses_absurd_numbers_with_400(world):
    operations = json_body_operations(world.client)
    assert len(operations) >= 25, operations  # 29 today: a collapse of the document would show here
    failures = []
    for method, path, names in operations:
        role = _caller(f"{method} {path}")
        assert role, f"no role may call {method} {path}"
        url = _fill(path, world.ids)
        for label, number in ABSURD.items():
            for shape, body in _bodies(names, number).items():
                response = world.client.open(url, method=method, data=body, headers={
                    **world.headers[role], "Content-Type": "application/json"})
                problem = response.get_json(silent=True) or {}
                if (response.status_code, response.mimetype, problem.get("status")) != (
                        400, "application/problem+json", 400):
                    failures.append((method, path, role, label, shape, response.status_code,
                                     response.get_data(as_text=True)[:200]))
    assert not failures, failures


@pytest.mark.parametrize("number", ["12345678901234567", "-3", "0.5", "1e300", "2.5e-300"])
def test_ordinary_numbers_still_reach_validation(world, number):
    """Large but representable numbers are not refused by the parser: the schema judges them (422 here)."""
    response = world.client.post("/api/v1/triage", data='{"symptoms": [], "vitals": {"spo2": "x", "heart_rate": %s}}'
                                 % number, headers={**world.headers["pa"], "Content-Type": "application/json"})
    assert response.status_code == 422, response.get_json()
    assert [e["field"] for e in response.get_json()["errors"]] == ["vitals.spo2"]
