"""The plain FHIR read answered below Flask's request machinery: `GET /fhir/{type}/{id}`, nothing else.

Why, measured (in-process, PostgreSQL, CPU per read; docs/PERFORMANCE.md "2026-12-07: the plain read below
Flask"): 0.78 ms through Flask (request context, URL routing, the nine request hooks, the FHIR view and
router, a Response object) against 0.48 ms here for the same records API call, the same audit group commit
and the same headers. The read is the most frequent FHIR interaction: every record view starts with one.

Only a plain success is answered here. Everything else goes to the Flask app untouched (a GET has no body
to consume), which answers and audits it as it always did:
- taken: GET, no query string, a bearer token, an Accept that takes JSON, a resource type other than the
  read-only AuditEvent;
- answered: the token is live (core.auth, its cache and revocation watch as on every path), the type is
  served, and records.api.read returns (stored, not deleted, the actor may read it). The answer is the
  Flask path's: the same body, ETag and Last-Modified, security and CORS headers (core.http), X-Request-ID,
  metrics and access line (core.observability), and the same audit entry, group-committed before the
  answer leaves (core.transaction.commit_success);
- handed to Flask: a refused or unknown token (401), a denied read (403, whose entry Flask's path writes),
  404, 410, a database error (Flask's path tries again on a fresh connection, then answers 503), or any
  bug (logged): this path's session is rolled back first, so nothing it did is written.
tests/records/test_fast_read.py holds both paths' answers and audit entries equal.
"""
import logging
import re
import time

from flask import g

from core import audit, audit_commit, auth, http, observability, transaction
from core.errors import ApiError
from core.extensions import db
from records import api
from records.api_audit import READ_ONLY_TYPES
from records.errors import FhirError
from records.fhir import router, wire

PATH = re.compile(r"^/fhir/([A-Z][A-Za-z]{0,63})/([A-Za-z0-9\-.]{1,64})$")  # router's type and id, nothing after
ENDPOINT = "/fhir/<path:path>"  # the Flask rule these reads would have matched: one metrics label for both
log = logging.getLogger(__name__)


class FastRead:
    """WSGI middleware around the Flask app's own (install it inside ProxyFix: it reads the corrected environ)."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        match = PATH.match(environ.get("PATH_INFO", "")) if _plain_get(environ) else None
        answer = match and self._answer(environ, *match.groups())
        if not answer:
            return self.wsgi_app(environ, start_response)
        body, headers, request_id, actor = answer
        start_response("200 OK", headers)
        observability.record_request(self.app, "GET", ENDPOINT, environ["PATH_INFO"], 200,
                                     time.perf_counter() - started, request_id, actor)
        return [body]

    def _answer(self, environ, resource_type, resource_id):
        """(body, headers, request id, actor) of the 200, or None when Flask's path must answer."""
        token = auth.token_in(environ.get("HTTP_AUTHORIZATION", ""))
        if token is None or resource_type in READ_ONLY_TYPES:
            return None
        request_id = observability.request_id_from(environ.get("HTTP_X_REQUEST_ID", ""))
        with self.app.app_context():
            g.request_id = request_id
            g.setdefault(audit.REQUEST_FACTS, (environ.get("REMOTE_ADDR"), request_id))
            audit_commit.allow_deferral()
            try:
                actor = g.actor = auth.cached_actor_for_token(token)
                if actor is None:
                    return None
                router.check_supported(resource_type)
                resource = api.read(actor, resource_type, resource_id)
                body = wire.encode(resource).encode()
                headers = [("Content-Type", wire.FHIR_JSON), ("Content-Length", str(len(body))),
                           *wire.version_headers(resource).items(),
                           *http.security_headers(environ["PATH_INFO"],
                                                  environ.get("wsgi.url_scheme") in ("https", "wss"),
                                                  environ.get("HTTP_ORIGIN"), self.app.config["CORS_ORIGINS"]),
                           ("X-Request-ID", request_id)]
                transaction.commit_success()  # last: once the audit entry is committed, the answer is given
            except Exception as exc:  # noqa: BLE001 - whatever it was, Flask's path answers it
                audit_commit.drop_deferred()
                db.session.rollback()
                if not isinstance(exc, (FhirError, ApiError)):
                    log.warning("plain read of %s/%s handed to Flask after %r", resource_type, resource_id, exc,
                                exc_info=True)
                return None
        return body, headers, request_id, actor


def _plain_get(environ):
    return (environ.get("REQUEST_METHOD") == "GET" and not environ.get("QUERY_STRING")
            and wire.accepts_json(environ.get("HTTP_ACCEPT", "")))


def install(app):
    """Put the plain read in front of `app`'s WSGI callable (unless FHIR_FAST_READ is off)."""
    if app.config["FHIR_FAST_READ"]:
        app.wsgi_app = app.extensions["fhir_fast_read"] = FastRead(app, app.wsgi_app)
