"""flask-smorest's Api, documenting every error as RFC 9457 problem details."""
import http

from apispec import BasePlugin
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields

from core.errors import PROBLEM_MIME


# The shared answers core.blueprint documents on every operation (400) or every guarded one (401).
DESCRIPTIONS = {
    400: "Malformed request: a NUL character in the URL or query, or a JSON body that is invalid, nested more "
         "than 100 levels deep or holds an absurd number (an integer beyond 64 bits, 1e999, NaN, Infinity)",
    401: "No valid bearer token: missing, malformed, expired or revoked (WWW-Authenticate: Bearer)",
    422: "Validation failed: `errors` lists each field and what is wrong with it",
}


class FieldErrorSchema(Schema):
    field = fields.String(allow_none=True)
    message = fields.String()


class ProblemSchema(Schema):
    """RFC 9457 problem details, with a stable `code` and field errors for validation failures."""

    type = fields.String(metadata={"description": "urn:problem:cloud-hospital:<code>"})
    code = fields.String(metadata={"description": "Stable machine-readable error code"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    request_id = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema))


class OrderedResponses(BasePlugin):
    """Lists each operation's responses by status (success first, `default` last), whatever the order of the
    decorators that documented them."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            responses = operation.get("responses")
            if isinstance(responses, dict):
                operation["responses"] = dict(sorted(responses.items(), key=lambda item: str(item[0])))


class ProblemApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def __init__(self, *args, **kwargs):
        spec_kwargs = kwargs.setdefault("spec_kwargs", {})
        spec_kwargs["extra_plugins"] = [*spec_kwargs.get("extra_plugins", ()), OrderedResponses()]
        super().__init__(*args, **kwargs)

    def _register_responses(self):
        """Register the default responses with application/problem+json for errors."""
        for status in http.HTTPStatus:
            response = {"description": DESCRIPTIONS.get(status, status.phrase)}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
                content_type = PROBLEM_MIME if status >= 400 else content_type
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIME)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)
