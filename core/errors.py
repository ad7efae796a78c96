"""RFC 9457 problem details for the app API, and the hook other surfaces (FHIR) use for their own error shape."""
import logging

from flask import current_app, g, jsonify, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
PROBLEM_MIME = "application/problem+json"
_renderers = {}  # path prefix -> fn(status, code, title, detail, extra) -> response


class ApiError(Exception):
    """An error with a stable code that becomes problem details (or an OperationOutcome under /fhir)."""

    def __init__(self, status, code, detail=None, title=None, headers=None, **extra):
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.title = title or code.replace("_", " ").capitalize()
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def register_error_renderer(prefix, renderer):
    """Let a surface (e.g. /fhir) render errors under its path prefix in its own format."""
    _renderers[prefix] = renderer


def problem(status, code, title, detail=None, headers=None, **extra):
    """Build a problem-details response."""
    body = {"type": f"urn:problem:cloud-hospital:{code}", "code": code, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if getattr(g, "request_id", None):
        body["request_id"] = g.request_id
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIME
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def render_error(status, code, title, detail=None, headers=None, **extra):
    """Render an error in the format of the surface the request came to."""
    for prefix, renderer in _renderers.items():
        if request.path.startswith(prefix):
            return renderer(status, code, title, detail, headers, extra)
    return problem(status, code, title, detail, headers, **extra)


def _validation_errors(messages, path=""):
    """Flatten marshmallow/webargs messages into [{field, message}]."""
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            if key in ("json", "query", "form", "files", "headers", "path") and not path:
                out.extend(_validation_errors(value, ""))
            else:
                out.extend(_validation_errors(value, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [{"field": path or None, "message": m} for m in messages]
    if isinstance(messages, list):
        return [e for i, m in enumerate(messages) for e in _validation_errors(m, f"{path}[{i}]")]
    return [{"field": path or None, "message": str(messages)}]


def handle_api_error(error):
    """ApiError -> problem details."""
    return render_error(error.status, error.code, error.title, error.detail, error.headers, **error.extra)


def handle_http_exception(error):
    """Werkzeug/flask-smorest HTTP errors -> problem details with a stable code."""
    status = error.code or 500
    if status == 500 and database_unavailable(getattr(error, "original_exception", None)):
        return handle_database_unavailable(error.original_exception)  # e.g. the commit in after_request
    data = getattr(error, "data", None) or {}
    extra = {}
    if status == 422 and "messages" in data:
        extra["errors"] = _validation_errors(data["messages"])
        return render_error(422, "validation_error", "Request validation failed",
                            "One or more fields are invalid.", **extra)
    code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 409: "conflict", 412: "precondition_failed",
            413: "payload_too_large", 415: "unsupported_media_type", 429: "too_many_requests"}.get(status, "http_error")
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429 and getattr(error, "retry_after", None):
        headers["Retry-After"] = str(error.retry_after)
    detail = error.description if status != 404 else "The requested resource does not exist."
    return render_error(status, code, error.name, detail, headers)


def database_unavailable(error):
    """True for errors that say the database cannot be reached or cannot serve now (connection refused
    or lost, server shutting down, backend terminated, pool exhausted, SQLite busy): worth a retry."""
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, sa_exc.OperationalError):
        return False
    # psycopg raises OperationalError for connection failures and SQLSTATE classes 08/53/57/58; SQLite
    # also uses it for programming errors (no such table), which stay 500s.
    message = str(error.orig).lower()
    return error.orig.__class__.__module__.startswith("psycopg") or any(
        hint in message for hint in ("database is locked", "unable to open database", "disk i/o error"))


def handle_database_unavailable(error):
    """The database is down or saturated: 503 with Retry-After, logged without a stack trace."""
    log.warning("database unavailable: %s", error.__class__.__name__,
                extra={"request_id": getattr(g, "request_id", None)})
    return render_error(503, "database_unavailable", "Service unavailable",
                        "The database is unavailable; retry shortly.", {"Retry-After": "5"})


def handle_unexpected(error):
    """Anything unexpected: log with the stack, answer 500 without one."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    if database_unavailable(error):
        return handle_database_unavailable(error)
    log.exception("unhandled error", extra={"request_id": getattr(g, "request_id", None)})
    return render_error(500, "internal_error", "Internal server error",
                        "The server failed to complete the request; it has been logged.")


def init_app(app):
    """Register the handlers (after flask-smorest so ours win)."""
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
