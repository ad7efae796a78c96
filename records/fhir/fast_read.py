"""FHIR reads and type searches answered below Flask's request machinery: `GET /fhir/{type}/{id}` and
`GET /fhir/{type}?...`, nothing else.

Why, measured (in-process, PostgreSQL, CPU per request; docs/PERFORMANCE.md "2026-12-07: reads and searches
below Flask"): a read cost 0.78 ms through Flask (request context, URL routing, the nine request hooks, the
FHIR view, a Response object) against 0.52 ms here for the same records API call, audit group commit and
headers. Reads and searches are most of what apps send to /fhir.

Only a plain success is answered here. Everything else goes to the Flask app untouched (a GET has no body
to consume), which answers and audits it as it always did:
- taken: a GET of those two forms with a bearer token, an Accept that takes JSON, no _format other than
  JSON, no NUL in the query, a resource type other than the read-only AuditEvent;
- answered: a first-party token this process already found live and that still is (core.auth's cache and
  revocation watch, as on every path; any other token, SMART's included, goes to Flask), and the FHIR
  router (the same one Flask's view calls, with the same Request) answers 200. The answer is the Flask
  path's: the same body, ETag and Last-Modified, security and CORS headers (core.http), X-Request-ID,
  metrics and access line (core.observability), and the same audit entries, group-committed before the
  answer leaves (core.transaction.commit_success);
- handed to Flask: any other answer (400, 401, 403 and its denied entry, 404, 410), a database error
  (Flask's path tries again on a fresh connection, then answers 503), or a bug (logged): this path's
  session is rolled back first, so nothing it did is written.
tests/records/fhir/test_fast_read.py holds both paths' answers and audit entries equal.
"""
import logging
import re
import time

from flask import g
from werkzeug.wrappers import Request as WsgiRequest

from core import audit_commit, auth, http, observability, payloads, transaction
from core.errors import ApiError
from core.extensions import db
from records import api
from records.api_audit import READ_ONLY_TYPES
from records.errors import FhirError
from records.fhir import router, wire
from records.fhir.transactions import Operations

# The router's type and id; nothing after them (history, operations, compartments go to Flask).
PATH = re.compile(r"^/fhir/([A-Z][A-Za-z]{0,63})(?:/[A-Za-z0-9\-.]{1,64})?$")
ENDPOINT = "/fhir/<path:path>"  # the Flask rule these requests would have matched: one metrics label for both
PREFIX = len("/fhir/")
log = logging.getLogger(__name__)


class FastRead:
    """WSGI middleware around the Flask app's own (install it inside ProxyFix: it reads the corrected environ)."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        answer = self._answer(environ) if _plain_get(environ) else None
        if not answer:
            return self.wsgi_app(environ, start_response)
        body, headers, request_id, actor = answer
        start_response("200 OK", headers)
        observability.record_request(self.app, "GET", ENDPOINT, environ["PATH_INFO"], 200,
                                     time.perf_counter() - started, request_id, actor)
        return [body]

    def _answer(self, environ):
        """(body, headers, request id, actor) of the 200, or None when Flask's path must answer."""
        path = environ.get("PATH_INFO", "")
        match = PATH.match(path)
        token = auth.token_in(environ.get("HTTP_AUTHORIZATION", ""))
        if match is None or token is None or match[1] in READ_ONLY_TYPES:
            return None
        request = WsgiRequest(environ)  # werkzeug's: the query parsed exactly as Flask's request parses it
        pairs = list(request.args.items(multi=True))
        if payloads.has_nul(*(text for pair in pairs for text in pair)):
            return None
        wanted = request.args.get("_format")
        if wanted is not None and not wire.is_json_format(wanted):
            return None
        request_id = observability.request_id_from(environ.get("HTTP_X_REQUEST_ID", ""))
        with self.app.app_context():
            g.request_id, g.remote_addr = request_id, environ.get("REMOTE_ADDR")  # core.audit reads them there
            audit_commit.allow_deferral()
            try:
                actor = g.actor = auth.cached_actor_for_token(token)
                if actor is None:
                    return None
                prefer = wire.parse_preferences(environ.get("HTTP_PREFER", ""))
                req = router.Request(method="GET", path=path[PREFIX:], query=wire.without_controls(pairs),
                                     strict=prefer.get("handling") == "strict", base_url=wire.base_url(request))
                reply = router.route(Operations.bind(api, actor), req)
                if reply.status != 200 or reply.resource is None:
                    raise RuntimeError(f"the router answered {reply.status} to a GET")
                body = wire.encode(reply.resource, wire.wants_pretty(request.args))
                headers = [("Content-Type", wire.FHIR_JSON), ("Content-Length", str(len(body))),
                           *wire.version_headers(reply.resource).items(),
                           *http.security_headers(path, request.is_secure, environ.get("HTTP_ORIGIN"),
                                                  self.app.config["CORS_ORIGINS"]),
                           ("X-Request-ID", request_id)]
                transaction.commit_success()  # last: once the audit entries are committed, the answer is given
            except Exception as exc:  # noqa: BLE001 - whatever it was, Flask's path answers it
                audit_commit.drop_deferred()
                db.session.rollback()
                if not isinstance(exc, (FhirError, ApiError)):
                    log.warning("GET %s handed to Flask after %r", path, exc, exc_info=True)
                return None
        return body, headers, request_id, actor


def _plain_get(environ):
    return environ.get("REQUEST_METHOD") == "GET" and wire.accepts_json(environ.get("HTTP_ACCEPT", ""))


def install(app):
    """Put the reads and searches below Flask in front of `app`'s WSGI callable (unless FHIR_FAST_READ is off)."""
    if app.config["FHIR_FAST_READ"]:
        app.wsgi_app = app.extensions["fhir_fast_read"] = FastRead(app, app.wsgi_app)
