"""Liveness, readiness, metrics, request ids, JSON logs, OpenAPI and the docs page."""
import json
import logging
import os

import pytest
from openapi_spec_validator import validate

from cloud_hospital.app import create_app
from core.logs import JsonFormatter


def test_readyz_reports_the_database(client):
    r = client.get("/readyz")
    assert r.status_code == 200 and r.get_json()["database"] == "ok"


def test_readyz_fails_when_the_database_is_unreachable(make_app):
    broken = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    r = broken.test_client().get("/readyz")
    assert r.status_code == 503 and r.get_json()["database"] == "unreachable"
    assert broken.test_client().get("/healthz").status_code == 200


def test_readyz_says_nothing_of_redis_without_redis_url(client):
    assert "redis" not in client.get("/readyz").get_json()


def test_readyz_reports_an_unreachable_redis_as_degraded_but_ready(make_app):
    # A process without Redis still serves its own clients (core.socketqueue): it stays in the load balancer.
    r = make_app(REDIS_URL="redis://127.0.0.1:1/0").test_client().get("/readyz")  # nothing listens on port 1
    assert r.status_code == 200
    assert r.get_json() == {"status": "degraded", "database": "ok", "redis": "unreachable"}


def test_readyz_reports_a_reachable_redis(make_app):
    from tests.clinic.consult.procs import require_redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"
    require_redis(url)
    r = make_app(REDIS_URL=url).test_client().get("/readyz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_readyz_fails_on_the_database_whatever_redis_says(make_app):
    broken = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
                      REDIS_URL="redis://127.0.0.1:1/0")
    r = broken.test_client().get("/readyz")
    assert r.status_code == 503 and r.get_json() == {"status": "unavailable", "database": "unreachable",
                                                      "redis": "unreachable"}


def test_request_id_is_echoed_or_made(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc12345-given"}).headers["X-Request-ID"] == "abc12345-given"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"}).headers["X-Request-ID"]
    assert made and " " not in made


def test_metrics_count_requests_per_endpoint(client):
    for _ in range(3):
        client.get("/healthz")
    text = client.get("/metrics").get_data(as_text=True)
    line = next(l for l in text.splitlines()
                if l.startswith("http_requests_total{") and 'endpoint="/healthz"' in l)
    assert float(line.rsplit(" ", 1)[1]) >= 3
    assert "http_request_duration_seconds_bucket" in text


def test_logs_are_json_with_the_request_id():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    record.request_id = "rid-1"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "hello world" and entry["request_id"] == "rid-1" and entry["level"] == "INFO"


def test_openapi_document_is_valid_and_lists_the_contract(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    validate(doc)
    for path in ("/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/auth/logout", "/api/v1/me",
                 "/api/v1/admin/users"):
        assert path in doc["paths"], path


def test_docs_page_serves_its_assets_locally(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "swagger-ui-bundle.js" in page and "http" not in page.split("<body>")[1].split("</body>")[0]
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    asset.close()  # a file response: close it, or its handle leaks
    assert asset.status_code == 200
    init = client.get("/api/v1/docs/init.js")
    assert init.status_code == 200 and "validatorUrl: null" in init.get_data(as_text=True)
    assert "queryConfigEnabled: false" in init.get_data(as_text=True)
    csp = client.get("/api/v1/docs").headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "http" not in csp


def test_without_swagger_ui_built_the_docs_page_says_how(client, monkeypatch, tmp_path):
    from core import docs

    monkeypatch.setattr(docs, "ASSETS", tmp_path / "missing")
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "make consoles" in page.get_data(as_text=True)
    assert 'href="/api/v1/openapi.json"' in page.get_data(as_text=True)
    assert client.get("/api/v1/docs/assets/swagger-ui.css").status_code == 404


@pytest.mark.parametrize("secret", [None, "dev-only-insecure-secret-key", "short"])
def test_production_refuses_default_secrets(monkeypatch, secret):
    monkeypatch.setenv("CLOUD_HOSPITAL_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    if secret:
        monkeypatch.setenv("SECRET_KEY", secret)
    else:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_sqlite(monkeypatch):
    monkeypatch.setenv("CLOUD_HOSPITAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        create_app()


def _scrape(app, remote="127.0.0.1", **headers):
    return app.test_client().get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": remote})


@pytest.mark.parametrize("remote", ["127.0.0.1", "::1"])
def test_metrics_without_a_token_answer_a_direct_loopback_caller(make_app, remote):
    r = _scrape(make_app(METRICS_TOKEN=None), remote)
    assert r.status_code == 200 and "http_requests_total" in r.get_data(as_text=True)


@pytest.mark.parametrize("remote, headers", [
    ("10.0.0.7", {}),
    ("192.0.2.1", {}),
    ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}),  # a local reverse proxy passing on a remote client
    ("127.0.0.1", {"Forwarded": "for=203.0.113.9"}),
])
def test_metrics_without_a_token_refuse_remote_or_proxied_callers(make_app, remote, headers):
    r = _scrape(make_app(METRICS_TOKEN=None), remote, **headers)
    assert r.status_code == 403 and r.mimetype == "application/problem+json"
    assert r.get_json()["code"] == "forbidden" and "http_requests_total" not in r.get_data(as_text=True)


def test_metrics_with_a_token_need_it_from_everyone(make_app):
    app = make_app(METRICS_TOKEN="s3cret-metrics-token")
    for remote, headers in (("127.0.0.1", {}), ("10.0.0.7", {}), ("10.0.0.7", {"Authorization": "Bearer wrong"}),
                            ("10.0.0.7", {"Authorization": "Basic s3cret-metrics-token"}),
                            ("10.0.0.7", {"Authorization": "Bearer s3cret-metrics-token-and-more"})):
        r = _scrape(app, remote, **headers)
        assert r.status_code == 401 and r.mimetype == "application/problem+json", (remote, headers)
        assert r.get_json()["code"] == "unauthorized" and r.headers["WWW-Authenticate"].startswith("Bearer")
    for remote, headers in (("10.0.0.7", {}), ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"})):
        r = _scrape(app, remote, Authorization="Bearer s3cret-metrics-token", **headers)
        assert r.status_code == 200 and "http_requests_total" in r.get_data(as_text=True)


def test_metrics_token_is_read_from_the_environment(monkeypatch):
    from core.config import config_from_env
    monkeypatch.setenv("METRICS_TOKEN", "from-env")
    assert config_from_env("/tmp")["METRICS_TOKEN"] == "from-env"
    monkeypatch.setenv("METRICS_TOKEN", "")
    assert config_from_env("/tmp")["METRICS_TOKEN"] is None
