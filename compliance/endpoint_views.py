"""Admin API of the push endpoints: CRUD (the secret is write-only), dead letters and their replay."""
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from compliance import endpoints
from compliance.models import PushEndpoint
from compliance.schemas import DeliverySchema, EndpointInSchema, EndpointPatchSchema, EndpointSchema
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.pagination import PageQuerySchema, page_of

bp = Blueprint("supervision_endpoints", __name__, url_prefix="/api/v1/supervision/endpoints",
               description="Where the supervision feed is pushed (admin)")


class ReplaySchema(Schema):
    entry_ids = fields.List(fields.Integer(validate=validate.Range(min=1)), validate=validate.Length(max=1000),
                            metadata={"description": "The dead letters to send again (none: all of them)"})


class ReplayedSchema(Schema):
    replayed = fields.Integer(required=True)


@bp.route("")
class Endpoints(MethodView):
    @require_role("admin")
    @bp.doc(operationId="listSupervisionEndpoints")
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, page_of(EndpointSchema))
    def get(self, query):
        """The push endpoints (their secrets are never shown)."""
        page = query["page"]
        return page.answer(page.rows(select(PushEndpoint).order_by(PushEndpoint.created_at, PushEndpoint.id)))

    @require_role("admin")
    @bp.doc(operationId="createSupervisionEndpoint")
    @bp.errors({422: "The URL is refused (it resolves to a loopback, private or reserved address) or invalid."})
    @bp.arguments(EndpointInSchema)
    @bp.response(201, EndpointSchema)
    def post(self, body):
        """Add an endpoint: each feed entry is POSTed to it, signed with HMAC-SHA256 under its secret."""
        return endpoints.create_endpoint(current_actor(), **body)


@bp.route("/<string:endpoint_id>")
class EndpointById(MethodView):
    @require_role("admin")
    @bp.doc(operationId="getSupervisionEndpoint")
    @bp.errors({404: "No such endpoint."})
    @bp.response(200, EndpointSchema)
    def get(self, endpoint_id):
        """One push endpoint (without its secret)."""
        return endpoints.get_endpoint(endpoint_id)

    @require_role("admin")
    @bp.doc(operationId="updateSupervisionEndpoint")
    @bp.errors({404: "No such endpoint.", 422: "The URL is refused or invalid."})
    @bp.arguments(EndpointPatchSchema)
    @bp.response(200, EndpointSchema)
    def patch(self, body, endpoint_id):
        """Change the url, secret, description, or pause it (active false; it catches up when resumed)."""
        return endpoints.update_endpoint(current_actor(), endpoint_id, body)

    @require_role("admin")
    @bp.doc(operationId="deleteSupervisionEndpoint")
    @bp.errors({404: "No such endpoint."})
    @bp.response(204)
    def delete(self, endpoint_id):
        """Remove an endpoint and what it was still owed."""
        endpoints.delete_endpoint(current_actor(), endpoint_id)


@bp.route("/<string:endpoint_id>/dead-letters")
class DeadLetters(MethodView):
    @require_role("admin")
    @bp.doc(operationId="listSupervisionDeadLetters")
    @bp.errors({404: "No such endpoint."})
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, page_of(DeliverySchema))
    def get(self, query, endpoint_id):
        """Deliveries that gave up after SUPERVISION_PUSH_MAX_ATTEMPTS tries; each holds back the rest of its trace."""
        page = query["page"]
        return page.answer(endpoints.dead_letters(endpoint_id, page))


@bp.route("/<string:endpoint_id>/replay")
class Replay(MethodView):
    @require_role("admin")
    @bp.doc(operationId="replaySupervisionDeadLetters")
    @bp.errors({404: "No such endpoint."})
    @bp.arguments(ReplaySchema)
    @bp.response(200, ReplayedSchema)
    def post(self, body, endpoint_id):
        """Send dead letters again, from the next push run, in order within their traces."""
        return {"replayed": endpoints.replay(current_actor(), endpoint_id, body.get("entry_ids"))}
