"""HTTP hygiene for every response: media-type checks, security headers, no caching of health data, CORS."""
from flask import current_app, request

from core import payloads
from core.errors import ApiError

BODY_METHODS = ("POST", "PUT", "PATCH")
JSON_TYPES = ("application/json", "application/fhir+json", "application/json-patch+json")
# Routes that take uploads declare it by their path ending.
MULTIPART_SUFFIXES = ("/attachments",)
DOCS_PREFIX = "/api/v1/docs"
API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


def _has_body():
    return bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"


def check_media_type():
    """415 for an API request body that is neither JSON nor an upload where one is expected."""
    if request.method not in BODY_METHODS or not request.path.startswith("/api/") or not _has_body():
        return
    mimetype = request.mimetype
    if mimetype in JSON_TYPES or mimetype.endswith("+json"):
        return
    if mimetype == "multipart/form-data" and request.path.endswith(MULTIPART_SUFFIXES):
        return
    raise ApiError(415, "unsupported_media_type", f"Content-Type {mimetype or '(none)'} is not accepted here; "
                   "send application/json.")


def reject_unsafe_input():
    """400 for a NUL character in the path, query or form, and for a JSON body nested too deeply or
    holding one (core.payloads), on every surface, before any handler or the database sees it."""
    req = request._get_current_object()  # resolved once: each proxy lookup costs a few microseconds
    pairs = list(req.args.items(multi=True))
    has_body = _has_body()
    mimetype = req.mimetype if has_body else ""  # without a body there is no form and no JSON to look at
    if mimetype == "application/x-www-form-urlencoded":
        pairs += list(req.form.items(multi=True))
    if payloads.has_nul(req.path, *(text for pair in pairs for text in pair)):
        raise ApiError(400, "bad_request", "The URL or form must not contain NUL (U+0000) characters.")
    if req.method in BODY_METHODS and has_body and (mimetype in JSON_TYPES or mimetype.endswith("+json")):
        try:
            payloads.check_json_text(req.get_data(cache=True))  # malformed JSON: each surface words it
        except payloads.UnsafePayload as exc:
            raise ApiError(400, "bad_request", str(exc)) from None


def secure_response(response):
    """Security headers on everything; never cache API or FHIR answers (they carry health data)."""
    req = request._get_current_object()  # resolved once: each proxy lookup costs a few microseconds
    headers, path = response.headers, req.path
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    # API and FHIR answers are data, never pages: nothing in them may load, run or be framed. The docs
    # page loads its own scripts and styles (Swagger UI), so it only refuses to be framed.
    headers.setdefault("Content-Security-Policy",
                       "frame-ancestors 'none'" if path.startswith(DOCS_PREFIX) else API_CSP)
    if req.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if path.startswith(("/api/", "/fhir")) and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    origin = req.headers.get("Origin")
    if origin and origin in current_app.config["CORS_ORIGINS"]:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Vary"] = "Origin"
        headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, Idempotency-Key, If-Match, Prefer"
        headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
        headers["Access-Control-Expose-Headers"] = "ETag, Location, Retry-After, X-Request-ID"
    return response


def init_app(app):
    """Install the checks and headers."""
    app.before_request(check_media_type)
    app.before_request(reject_unsafe_input)
    app.after_request(secure_response)
