"""Operations: request ids, one JSON access line per request, Prometheus metrics, liveness and readiness probes.

`/metrics` (endpoint names and counts, no patient data) is not public: with `METRICS_TOKEN` set it needs
`Authorization: Bearer <METRICS_TOKEN>` (401 otherwise); unset, it answers only direct loopback callers
(no `X-Forwarded-For` / `Forwarded` header, i.e. not through a proxy) and 403 to anyone else.
"""
import hmac
import ipaddress
import logging
import re
import time
import uuid

from flask import Blueprint, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from sqlalchemy import text

from core import metrics as domain_metrics
from core.errors import problem
from core.extensions import db
from core.logs import configure_logging

bp = Blueprint("ops", __name__)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REDIS_PING_TIMEOUT_SECONDS = 1.0
ACCESS_LOG = logging.getLogger("cloud_hospital.access")


def _registry():
    """Per-app metrics plus the domains'; under gunicorn with PROMETHEUS_MULTIPROC_DIR, summed over workers."""
    registry = CollectorRegistry()
    if domain_metrics.multiprocess_mode():
        from prometheus_client import multiprocess
        multiprocess.MultiProcessCollector(registry)
    domain_metrics.register(registry)
    return registry


def _metrics(registry):
    target = None if domain_metrics.multiprocess_mode() else registry
    return (
        Counter("http_requests_total", "HTTP requests", ["method", "endpoint", "status"], registry=target),
        Histogram("http_request_duration_seconds", "HTTP request latency", ["method", "endpoint"],
                  registry=target, buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10)),
    )


def request_id_from(incoming):
    """The id of a request: the client's X-Request-ID when well-formed, else a new one."""
    return incoming if incoming and REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _start_request():
    g.request_id = request_id_from(request.headers.get("X-Request-ID", ""))
    g.started = time.perf_counter()


def record_request(app, method, endpoint, path, status, duration, request_id, actor):
    """Count and time one answered request (Prometheus) and write its access line; for _finish_request and
    for the answers given below Flask (records.fhir.fast_read)."""
    requests_total, latency = app.extensions["metrics"]
    requests_total.labels(method, endpoint, status).inc()
    latency.labels(method, endpoint).observe(duration)
    if ACCESS_LOG.isEnabledFor(logging.INFO):
        ACCESS_LOG.info("%s %s %s", method, path, status,
                        extra={"request_id": request_id, "method": method, "path": path, "status": status,
                               "duration_ms": round(duration * 1000, 2),
                               "user_id": getattr(actor, "user_id", None)})


def _finish_request(response):
    # The proxies (request, g) resolved once: each lookup through a context variable costs a few microseconds.
    req, ctx = request._get_current_object(), g._get_current_object()
    duration = time.perf_counter() - ctx.get("started", time.perf_counter())
    rule = req.url_rule
    request_id = ctx.get("request_id")
    response.headers["X-Request-ID"] = request_id or ""
    record_request(current_app._get_current_object(), req.method, rule.rule if rule else "unmatched", req.path,
                   response.status_code, duration, request_id, ctx.get("actor"))
    return response


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers (else 503); with REDIS_URL, Redis's state too."""
    body = {"status": "ok", "database": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready"
        db.session.rollback()
        current_app.logger.warning("readiness check failed: %s", exc.__class__.__name__)
        body.update(status="unavailable", database="unreachable")
    redis_state = _redis_state()
    if redis_state is not None:
        body["redis"] = redis_state
        if redis_state != "ok" and body["status"] == "ok":
            # Without Redis a process still serves its own clients (core.socketqueue): only the fan-out
            # to other processes is missed. Failing readiness would take every process out at once.
            body["status"] = "degraded"
    return body, 503 if body["database"] != "ok" else 200


def _redis_state():
    """None without REDIS_URL, else "ok" or "unreachable" (one PING, at most about a second)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("readyz_redis")
    if client is None:
        import redis

        client = current_app.extensions["readyz_redis"] = redis.Redis.from_url(
            url, socket_timeout=REDIS_PING_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_PING_TIMEOUT_SECONDS)
    try:
        client.ping()
    except Exception as exc:  # any Redis or socket error
        current_app.logger.warning("readiness: Redis unreachable: %s", exc.__class__.__name__)
        return "unreachable"
    return "ok"


def _is_direct_loopback():
    """True for a request from this machine that did not come through a proxy."""
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:  # a unix socket or no address at all
        return False
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    return address.is_loopback


def _metrics_refusal():
    """None when the caller may scrape /metrics, else the problem-details answer."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return None
        return problem(401, "unauthorized", "Unauthorized", "/metrics needs the metrics bearer token.",
                       {"WWW-Authenticate": 'Bearer realm="metrics"'})
    if _is_direct_loopback():
        return None
    return problem(403, "forbidden", "Forbidden",
                   "/metrics answers only local callers; set METRICS_TOKEN to scrape it from elsewhere.")


@bp.get("/metrics")
def metrics():
    """Prometheus text exposition: request counts and latencies per endpoint, the domains' metrics
    (core.metrics); token or loopback only."""
    refusal = _metrics_refusal()
    if refusal is not None:
        return refusal
    # content_type, not mimetype: Flask would append a second `; charset=utf-8` to a text/* mimetype.
    return Response(generate_latest(current_app.extensions["metrics_registry"]), content_type=CONTENT_TYPE_LATEST)


def init_app(app):
    """Wire request ids, access logs and metrics into the app."""
    configure_logging(app.config["LOG_LEVEL"])
    registry = _registry()
    app.extensions["metrics_registry"] = registry
    app.extensions["metrics"] = _metrics(registry)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.register_blueprint(bp)
