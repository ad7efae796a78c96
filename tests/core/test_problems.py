"""Every error class on /api is problem details: 400, 401, 403, 404, 405, 413, 415, 422, 429, 500."""
import pytest
from flask import Blueprint

PROBLEM_KEYS = {"type", "code", "title", "status"}


def assert_problem(response, status, code):
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert PROBLEM_KEYS <= set(body) and body["status"] == status and body["code"] == code
    assert body["type"].endswith(code)
    return body


def test_unknown_path_is_404(client):
    assert_problem(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_wrong_method_is_405_with_allow(client):
    r = client.delete("/api/v1/auth/token")
    assert_problem(r, 405, "method_not_allowed")
    assert "POST" in r.headers["Allow"]


def test_malformed_json_is_400(client):
    r = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert r.status_code in (400, 422) and r.mimetype == "application/problem+json"


def test_non_json_body_is_415(client):
    assert_problem(client.post("/api/v1/auth/token", data="username=a", content_type="text/plain"),
                   415, "unsupported_media_type")


def test_oversized_body_is_413(app, client):
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    r = client.post("/api/v1/auth/token", data=big, content_type="application/json")
    assert_problem(r, 413, "payload_too_large")


def test_validation_error_lists_fields(client):
    body = assert_problem(client.post("/api/v1/auth/token", json={}), 422, "validation_error")
    assert {e["field"] for e in body["errors"]} == {"username", "password"}


def test_unexpected_errors_are_500_without_a_stack_trace(make_app):
    # A throwaway app: routes cannot be added to the shared one after its first request.
    other = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    boom = Blueprint("boom", __name__)

    @boom.get("/api/v1/boom")
    def explode():
        raise RuntimeError("secret internals")

    other.register_blueprint(boom)
    r = other.test_client().get("/api/v1/boom")
    body = assert_problem(r, 500, "internal_error")
    assert "secret internals" not in r.get_data(as_text=True) and "Traceback" not in r.get_data(as_text=True)
    assert body["request_id"] == r.headers["X-Request-ID"]


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/admin/users"])
def test_no_token_is_401(client, path):
    assert_problem(client.get(path), 401, "unauthorized")


def test_security_headers_and_no_store(client):
    r = client.get("/api/v1/me")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"
