"""The OAuth 2 endpoints (/oauth/...), the consent page and SMART's discovery document.

Spec: SMART App Launch 2.x, http://hl7.org/fhir/smart-app-launch/app-launch.html. The protocol is Authlib's
(smart.server); these views only add the login and consent page and the audit entries."""
import hmac
import secrets

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, current_app, jsonify, render_template, request, session, url_for

from core.audit import record_access
from core.auth import SYSTEM, actor_for
from core.transaction import begin_write
from records.api import scopes as smart_scopes
from smart import identity
from smart.login import check_credentials
from smart.server import authorization_server

bp = Blueprint("smart", __name__, template_folder="templates")
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
PERMISSION_WORDS = {"c": "create", "r": "read", "u": "update", "d": "delete", "s": "search"}
SPECIAL_SCOPES = {
    "openid": "confirm who you are to the app", "fhirUser": "know which person record is yours",
    "profile": "know your name", "launch/patient": "know which patient record it was given",
    "offline_access": "keep access while you are away, until you withdraw it",
    "online_access": "keep access while you are logged in",
}


def _meaning(scope):
    parsed = smart_scopes.parse_resource_scope(scope)
    if parsed is None:
        return SPECIAL_SCOPES.get(scope, scope)
    what = "all record types" if parsed.resource_type == "*" else parsed.resource_type
    whose = {"patient": "of your own record", "user": "that you can see", "system": "of every patient"}
    words = ", ".join(PERMISSION_WORDS[p] for p in parsed.permissions)
    return f"{words} {what} {whose[parsed.context]}"


def smart_configuration():
    """The discovery document (http://hl7.org/fhir/smart-app-launch/conformance.html)."""
    return {
        "issuer": request.url_root.rstrip("/"),
        "jwks_uri": url_for("smart.read_jwks", _external=True),
        "authorization_endpoint": url_for("smart.authorize", _external=True),
        "token_endpoint": url_for("smart.issue_token", _external=True),
        "revocation_endpoint": url_for("smart.revoke_token", _external=True),
        "introspection_endpoint": url_for("smart.introspect_token", _external=True),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none",
                                                  "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "fhirUser", "launch/patient", "offline_access", "online_access",
                             "patient/*.cruds", "user/*.cruds", "system/*.rs"],
        "capabilities": ["launch-standalone", "sso-openid-connect", "client-public", "client-confidential-symmetric",
                         "client-confidential-asymmetric", "context-standalone-patient", "permission-offline",
                         "permission-patient", "permission-user", "permission-v2"],
    }


@bp.get("/.well-known/smart-configuration")
@bp.get("/fhir/.well-known/smart-configuration")
def discover():
    """SMART configuration, at the root and beside the FHIR base."""
    return jsonify(smart_configuration())


@bp.get("/.well-known/jwks.json")
def read_jwks():
    """The public key that signs id_tokens."""
    return jsonify(identity.jwks())


def _page(template, status=200, **values):
    response = current_app.make_response((render_template(template, **values), status))
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def _csrf_token():
    token = session.get("smart_csrf")
    if not token:
        token = session["smart_csrf"] = secrets.token_urlsafe(32)
    return token


def _consent_page(grant, status=200, error=None):
    client = grant.client.row
    requested = (grant.request.payload.scope or "").split()
    allowed = grant.client.get_allowed_scope(" ".join(requested)).split()
    return _page("smart/authorize.html", status, client_name=client.name, error=error,
                 scopes=[(s, _meaning(s)) for s in allowed], csrf_token=_csrf_token(), action=request.full_path)


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize():
    """GET: the login and consent page listing the scopes asked for; POST: the user's decision."""
    server = authorization_server()
    try:
        grant = server.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        return _page("smart/error.html", 400, error=error.error, description=error.get_error_description())
    audience = request.args.get("aud")
    if audience and audience.rstrip("/") != request.url_root.rstrip("/") + "/fhir":
        # SMART: the app names the FHIR server it means; a token for another server is not ours to give.
        return _page("smart/error.html", 400, error="invalid_request", description="aud is not this FHIR server.")
    if request.method == "GET":
        return _consent_page(grant)
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, session.get("smart_csrf", "")):
        return _page("smart/error.html", 403, error="csrf", description="The form has expired; start again.")
    if request.form.get("decision") != "approve":
        record_access(SYSTEM, "authorize", f"SmartClient/{grant.client.client_id}", outcome="denied",
                      detail={"client_id": grant.client.client_id, "reason": "the user denied"})
        return server.create_authorization_response(grant=grant, grant_user=None)
    user = check_credentials(request.form.get("username"), request.form.get("password"), request.remote_addr)
    if user is None:
        return _consent_page(grant, 401, error="The username or password is incorrect.")
    record_access(actor_for(user), "authorize", f"SmartClient/{grant.client.client_id}",
                  f"Patient/{user.patient_id}" if user.patient_id else None,
                  detail={"client_id": grant.client.client_id,
                          "scope": grant.client.get_allowed_scope(grant.request.payload.scope)})
    return server.create_authorization_response(grant=grant, grant_user=user)


@bp.post("/oauth/token")
def issue_token():
    """The token endpoint: authorization code, refresh token and client credentials grants."""
    begin_write()  # SQLite: one token request at a time, so a code or refresh token is used once (row locks on PG)
    return authorization_server().create_token_response()


@bp.post("/oauth/revoke")
def revoke_token():
    """RFC 7009 token revocation."""
    return authorization_server().create_endpoint_response("revocation")


@bp.post("/oauth/introspect")
def introspect_token():
    """RFC 7662 token introspection, for resource servers."""
    return authorization_server().create_endpoint_response("introspection")


def add_to_capabilities(rest, base_url):
    """The CapabilityStatement's part of SMART: the OAuth endpoints (SMART's oauth-uris extension and service
    code) and the Bulk Data export operations."""
    root = base_url.rstrip("/").removesuffix("/fhir")
    rest["security"]["service"].append({"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR"}],
        "text": "SMART App Launch and Backend Services: see /.well-known/smart-configuration"})
    rest["security"]["extension"] = [{
        "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris", "extension": [
            {"url": name, "valueUri": f"{root}/oauth/{path}"}
            for name, path in (("authorize", "authorize"), ("token", "token"), ("revoke", "revoke"),
                               ("introspect", "introspect"))]}]
    rest["operation"].append({"name": "export",
                              "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"})
