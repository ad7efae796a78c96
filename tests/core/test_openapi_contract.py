"""The OpenAPI document as a contract integrators generate clients from: valid, every operation named
(a unique operationId), summarised, its refusals documented as the guard that makes them (core.blueprint),
and only registration (its code request too) and login public."""
import re

import pytest
from openapi_spec_validator import validate

from core.blueprint import Blueprint
from core.extensions import api

METHODS = ("get", "post", "put", "patch", "delete")
PUBLIC = {"requestPhoneCode", "registerPatient", "logIn", "requestPasswordResetCode", "resetPassword",
          "paymentNotification"}  # the payment provider's webhook: its signature is the proof (docs/PAYMENT.md)
BEARER_401 = {"$ref": "#/components/responses/UNAUTHORIZED"}


@pytest.fixture(scope="module")
def document(app):
    with app.test_client() as client:
        return client.get("/api/v1/openapi.json").get_json()


def operations(document):
    return [(method, path, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


def guards(app):
    """{(METHOD, /path/{param}): the roles of the view's require_role guard, or None without one}."""
    found = {}
    for rule in app.url_map.iter_rules():
        view_class = getattr(app.view_functions[rule.endpoint], "view_class", None)
        if not rule.rule.startswith("/api/v1/") or view_class is None:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in view_class.methods:
            found[method.lower(), path] = getattr(getattr(view_class, method.lower()), "required_roles", None)
    return found


def test_the_document_is_valid_openapi(document):
    validate(document)
    assert len(operations(document)) >= 80


def test_every_operation_has_a_unique_camel_case_operation_id_and_a_summary(document):
    ids = [operation.get("operationId") for _, _, operation in operations(document)]
    assert all(ids), [(m, p) for m, p, o in operations(document) if not o.get("operationId")]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert all(re.fullmatch(r"[a-z][A-Za-z]+", i) for i in ids), ids
    unsummarised = [(m, p) for m, p, o in operations(document) if len(o.get("summary", "")) < 10]
    assert not unsummarised, unsummarised


def test_only_registration_and_login_are_public(document):
    public = {o["operationId"] for _, _, o in operations(document) if o.get("security") == []}
    assert public == PUBLIC
    assert document["security"] == [{"bearerAuth": []}]


def test_guarded_operations_document_401_and_403_as_their_guard_makes_them(app, document):
    guarded = guards(app)
    for method, path, operation in operations(document):
        roles = guarded[method, path]
        responses = operation["responses"]
        assert "400" in responses and "default" in responses, (method, path)
        if roles is None:
            assert operation.get("security") == [] and responses.get("401") != BEARER_401, (method, path)
            continue
        assert "security" not in operation and responses.get("401") == BEARER_401, (method, path)
        if roles:
            assert "403" in responses, (method, path, roles)
        for status, response in responses.items():
            if status.startswith("4") and "$ref" not in response:
                assert list(response["content"]) == ["application/problem+json"], (method, path, status)


def test_every_app_api_blueprint_is_the_strict_one(app):
    blueprints = [app.blueprints[name] for name in app.extensions["flask-smorest"]["blp_name_to_api"]]
    assert blueprints and all(isinstance(bp, Blueprint) for bp in blueprints), \
        [bp.name for bp in blueprints if not isinstance(bp, Blueprint)]
    assert api.spec is not None
