"""SMART's app-API routes: client registration (admins) and the apps a user authorised (/me/apps)."""
from flask.views import MethodView

from core.audit import record_access
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.pagination import PageQuerySchema, page_of
from smart import clients, tokens
from smart.schemas import AuthorisedAppSchema, ClientCreateSchema, ClientSchema

bp = Blueprint("smart_api", __name__, url_prefix="/api/v1", description="SMART on FHIR apps and clients")


@bp.route("/smart/clients")
class Clients(MethodView):
    @require_role("admin")
    @bp.doc(operationId="listSmartClients")
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, page_of(ClientSchema))
    def get(self, query):
        """Every registered SMART client, oldest first (admin only)."""
        page = query["page"]
        return page.answer(page.rows(clients.clients_query()))

    @require_role("admin")
    @bp.doc(operationId="registerSmartClient")
    @bp.errors({422: "The scopes, redirect URIs or keys do not fit the kind of client."})
    @bp.arguments(ClientCreateSchema)
    @bp.response(201, ClientSchema)
    def post(self, body):
        """Register a client: public (PKCE), confidential (a secret, shown once) or backend (a JWKS)."""
        row, secret = clients.register_client(**body)
        record_access(current_actor(), "register_client", f"SmartClient/{row.client_id}",
                      detail={"client_id": row.client_id, "auth_method": row.auth_method})
        if secret:
            row.client_secret = secret  # not a column: answered this once, only its digest is kept
        return row


@bp.route("/smart/clients/<string:client_id>")
class ClientById(MethodView):
    @require_role("admin")
    @bp.doc(operationId="deactivateSmartClient")
    @bp.errors({404: "No such client."})
    @bp.response(200, ClientSchema)
    def delete(self, client_id):
        """Deactivate a client: it can no longer get tokens, and its tokens stop working."""
        row = clients.deactivate_client(client_id)
        record_access(current_actor(), "deactivate_client", f"SmartClient/{client_id}",
                      detail={"client_id": client_id})
        return row


@bp.route("/me/apps")
class MyApps(MethodView):
    @require_role()
    @bp.doc(operationId="listMyApps")
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, page_of(AuthorisedAppSchema))
    def get(self, query):
        """The apps I authorised that still hold a live token."""
        page = query["page"]
        return page.answer(page.cut(tokens.authorised_apps(current_actor().user_id)))


@bp.route("/me/apps/<string:client_id>")
class MyApp(MethodView):
    @require_role()
    @bp.doc(operationId="revokeMyApp")
    @bp.errors({404: "This app holds no live authorisation of yours."})
    @bp.response(204)
    def delete(self, client_id):
        """Withdraw an app's access: every token I gave it stops working now."""
        actor = current_actor()
        if not tokens.revoke_app(actor.user_id, client_id):
            from core.errors import ApiError

            raise ApiError(404, "not_found", "This app holds no live authorisation of yours.")
        record_access(actor, "revoke_app", f"SmartClient/{client_id}", detail={"client_id": client_id})
