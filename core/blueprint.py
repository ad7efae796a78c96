"""The Blueprint every app-API module declares its routes with: flask-smorest's, plus

- strict JSON bodies (core.payloads.loads_strict): an absurd number is a 400 problem, not a 500;
- the access contract read off the code that enforces it: a view guarded by core.auth.require_role documents
  401 (and 403 when it names roles), any other view is public (`security: []`);
- `errors({status: description})`, the documented refusals of a view, as problem details.
"""
import flask_smorest
from flask.views import MethodView
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser, is_json_request

from core import payloads
from core.errors import PROBLEM_MIME, ApiError
from core.openapi import ProblemSchema

MALFORMED = "BAD_REQUEST"  # component responses of core.openapi.ProblemApi
UNAUTHENTICATED = "UNAUTHORIZED"


class StrictJsonParser(FlaskParser):
    """webargs' Flask parser with core.payloads' strict JSON decoding."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return webargs_core.missing
        raw = req.get_data(cache=True)
        # Bytes that are not UTF-8 raise UnicodeDecodeError, malformed JSON JSONDecodeError: webargs answers
        # both with its 400 "Invalid JSON body."
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        try:
            return payloads.loads_strict(text)
        except payloads.UnsafePayload as exc:
            raise ApiError(400, "bad_request", str(exc)) from None


def _documented(func):
    return set(getattr(func, "_apidoc", {}).get("response", {}).get("responses", {}))


class Blueprint(flask_smorest.Blueprint):
    """A blueprint of the app API (/api/v1)."""

    ARGUMENTS_PARSER = StrictJsonParser()

    def errors(self, described):
        """Decorator: document the refusals {status: why} a view answers, as problem details."""

        def decorate(func):
            for status, description in sorted(described.items(), reverse=True):
                func = self.alt_response(status, schema=ProblemSchema, content_type=PROBLEM_MIME,
                                         description=description)(func)
            return func

        return decorate

    def route(self, rule, **options):
        """flask-smorest's route, documenting each method's access from its require_role guard."""
        register = super().route(rule, **options)

        def decorate(view):
            if isinstance(view, type) and issubclass(view, MethodView):
                for method in view.methods:
                    setattr(view, method.lower(), self._with_access_doc(getattr(view, method.lower())))
            return register(view)

        return decorate

    def _with_access_doc(self, func):
        documented = _documented(func)
        roles = getattr(func, "required_roles", None)
        if 400 not in documented:
            func = self.alt_response(400, response=MALFORMED)(func)
        if roles is None:
            return self.doc(security=[])(func)  # no guard: anyone may call it
        if 401 not in documented:
            func = self.alt_response(401, response=UNAUTHENTICATED)(func)
        if roles and 403 not in documented:
            func = self.errors({403: f"Your role may not do this: only {', '.join(roles)}."})(func)
        elif 403 not in documented:  # core.auth.NAMED_ONLY_ROLES are let in only where named
            func = self.errors({403: "Your role may not do this (a regulator reads only the supervision feed and "
                                     "traces)."})(func)
        return func
