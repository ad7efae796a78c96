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


def security_headers(path, is_secure, origin, cors_origins):
    """[(name, value)] of the headers every response to `path` carries (a response's own win over them,
    but for CORS), for secure_response and the answers given below Flask (records.fhir.fast_read)."""
    # API and FHIR answers are data, never pages: nothing in them may load, run or be framed. The docs
    # page loads its own scripts and styles (Swagger UI), so it only refuses to be framed.
    found = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"),
             ("Content-Security-Policy", "frame-ancestors 'none'" if path.startswith(DOCS_PREFIX) else API_CSP)]
    if is_secure:
        found.append(("Strict-Transport-Security", "max-age=31536000"))
    if path.startswith(("/api/", "/fhir")):
        found.append(("Cache-Control", "no-store"))
    if origin and origin in cors_origins:
        found += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin"),
                  ("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, If-Match, Prefer"),
                  ("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS"),
                  ("Access-Control-Expose-Headers", "ETag, Location, Retry-After, X-Request-ID")]
    return found


CORS_HEADERS = frozenset({"Access-Control-Allow-Origin", "Vary", "Access-Control-Allow-Headers",
                          "Access-Control-Allow-Methods", "Access-Control-Expose-Headers"})


def secure_response(response):
    """Security headers on everything; never cache API or FHIR answers (they carry health data)."""
    req = request._get_current_object()  # resolved once: each proxy lookup costs a few microseconds
    headers = response.headers
    for name, value in security_headers(req.path, req.is_secure, req.headers.get("Origin"),
                                        current_app.config["CORS_ORIGINS"]):
        if name in CORS_HEADERS:
            headers[name] = value
        else:
            headers.setdefault(name, value)
    return response


def init_app(app):
    """Install the checks and headers."""
    app.before_request(check_media_type)
    app.before_request(reject_unsafe_input)
    app.after_request(secure_response)
