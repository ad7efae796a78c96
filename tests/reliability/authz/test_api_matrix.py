"""The app-API authorisation matrix (tests/reliability/authz/api_matrix.py) run against one shared world:
every route of the URL map and the OpenAPI document has an entry, every role gets what the entry says
on patient A's objects, no response carries data of a patient the caller has no business with,
every successful health-data read leaves an audit entry, and every refusal past the role check (the
object exists and belongs to another party) leaves a "denied" one."""
import io
import json
import re
from collections import defaultdict

import pytest

from tests.reliability.authz.api_matrix import (FHIR_ROUTES, LAST, MATRIX, PLACEHOLDER_VALUES, UNAUDITED_REFUSALS,
                                               Rule)
from tests.reliability.authz.checks import (DENIED, assert_audited, assert_denied_audited, assert_no_stranger_data,
                                            is_role_refusal)
from tests.reliability.authz.world import PNG, ROLES


# route -> the error statuses its cases met, checked against the OpenAPI document after the matrix has run.
MET = defaultdict(set)


def _flask_key(rule, method):
    pattern = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
    return f"{method} {pattern}"


def url_map_routes(app):
    """Every (method, path pattern) the app serves, as 'GET /api/v1/x/{id}'."""
    return {_flask_key(rule, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def _cases():
    """(route, role) pairs in run order: reads, refusals, allowed writes, the destructive allowed writes."""
    def phase(route, role):
        rule = MATRIX[route]
        if route.startswith("GET ") or role not in rule.roles():
            return 0 if route.startswith("GET ") else 1
        return 3 if any(mark in route for mark in LAST) else 2

    cases = [(route, role) for route in MATRIX for role in ROLES]
    return sorted(cases, key=lambda case: phase(*case))


def test_every_route_has_a_matrix_entry(app):
    served = url_map_routes(app) - FHIR_ROUTES
    assert served == set(MATRIX), {"missing from the matrix": served - set(MATRIX),
                                   "no longer served": set(MATRIX) - served}


def test_every_openapi_operation_is_a_served_route(app, world):
    document = world.client.get("/api/v1/openapi.json").get_json()
    operations = {f"{method.upper()} {path}" for path, item in document["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete")}
    assert operations and operations <= set(MATRIX), operations - set(MATRIX)
    undocumented = {r for r in MATRIX if r.split()[1].startswith("/api/v1/") and "/docs" not in r
                    and not r.endswith("openapi.json")} - operations
    assert not undocumented, undocumented


def _fill(value, ids):
    if isinstance(value, str):
        return re.sub(r"\{([a-z_]+)\}", lambda m: ids.get(m.group(1)) or PLACEHOLDER_VALUES[m.group(1)], value)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _call(world, route, rule: Rule, role):
    method, pattern = route.split(" ", 1)
    url = _fill(pattern, world.ids) + (f"?{_fill(rule.query, world.ids)}" if rule.query else "")
    kwargs = {"headers": world.headers[role]}
    if rule.multipart:
        kwargs.update(data={"file": (io.BytesIO(PNG), "scan.png", "image/png")}, content_type="multipart/form-data")
    elif method != "GET" and rule.body is not None:
        kwargs["json"] = _fill(rule.body, world.ids)
    sent = url + json.dumps(kwargs.get("json"))
    return world.client.open(url, method=method, **kwargs), sent


@pytest.mark.parametrize("route, role", _cases(), ids=[f"{role}:{route}" for route, role in _cases()])
def test_matrix(app, world, route, role):
    rule = MATRIX[route]
    allowed = role in rule.roles()
    if allowed and role in rule.skip:
        pytest.skip(rule.skip[role])
    response, sent = _call(world, route, rule, role)
    body = response.get_data().decode("utf-8", "replace")
    response.close()
    assert response.status_code < 500, body
    if response.status_code >= 400:
        MET[route].add(response.status_code)
    if allowed:
        assert response.status_code in rule.statuses, (response.status_code, body[:500])
        listed_nothing = response.is_json and body.strip() and json.loads(body).get("items") == []
        if rule.health and response.status_code == 200 and not listed_nothing:
            assert_audited(app, response)
    elif role == "anon":
        assert response.status_code == 401, (response.status_code, body[:500])
    else:
        assert response.status_code in DENIED, (response.status_code, body[:500])
        if response.is_json:
            assert json.loads(body).get("status") == response.status_code
        if route not in UNAUDITED_REFUSALS and not is_role_refusal(response, body):
            assert_denied_audited(app, response)
    assert_no_stranger_data(world, role, body, sent)


def test_every_refusal_the_matrix_met_is_documented(world):
    """The documented error responses are those that really occur: each error status a case of the matrix got
    (run before this test in the same module) is in the operation's responses."""
    if not MET:
        pytest.skip("the matrix cases did not run in this session")
    document = world.client.get("/api/v1/openapi.json").get_json()
    undocumented = {}
    for route, statuses in MET.items():
        method, path = route.split(" ", 1)
        operation = document["paths"].get(path, {}).get(method.lower())
        if operation is None:
            continue  # not an app-API operation (docs, consoles, operations)
        missing = {status for status in statuses if str(status) not in operation["responses"]}
        if missing:
            undocumented[route] = sorted(missing)
    assert not undocumented, json.dumps(undocumented, sort_keys=True)


def test_the_markers_are_what_answers_carry(world):
    """The stranger-data check is not vacuous: A's own answers do carry A's markers.
    (The prescriber reads the prescription: the pharmacy's view of it depends on which matrix cases moved the
    order before this test, which depends on how xdist shared the cases between workers.)"""
    appointments = world.client.get("/api/v1/appointments", headers=world.headers["pa"]).get_data(as_text=True)
    prescription = world.client.get(f"/api/v1/prescriptions/{world.ids['prescription_id']}",
                                    headers=world.headers["d1"]).get_data(as_text=True)
    assert world.ids["patient_id"] in appointments and world.ids["patient_id"] in prescription
