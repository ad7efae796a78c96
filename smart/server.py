"""The OAuth 2 authorization server (Authlib's), one per app: its grants, client authentication and endpoints."""
from authlib.integrations.flask_oauth2 import AuthorizationServer
from flask import current_app

from smart import grants
from smart.identity import SmartOpenIDCode
from smart.clients import query_client
from smart.tokens import save_token

EXTENSION = "smart.authorization_server"


def build_server(app):
    """Create the app's authorization server with the grants SMART needs; kept in app.extensions."""
    app.config.setdefault("OAUTH2_REFRESH_TOKEN_GENERATOR", True)
    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {
        "authorization_code": app.config["SMART_ACCESS_TOKEN_SECONDS"],
        "refresh_token": app.config["SMART_ACCESS_TOKEN_SECONDS"],
        "client_credentials": app.config["SMART_BACKEND_TOKEN_SECONDS"]})
    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_grant(grants.AuthorizationCodeGrant, [grants.SmartCodeChallenge(required=True), SmartOpenIDCode()])
    server.register_grant(grants.RefreshTokenGrant)
    server.register_grant(grants.ClientCredentialsGrant)
    server.register_client_auth_method(grants.PrivateKeyJwt.CLIENT_AUTH_METHOD, grants.PrivateKeyJwt())
    server.register_endpoint(grants.Revocation)
    server.register_endpoint(grants.Introspection)
    app.extensions[EXTENSION] = server
    return server


def authorization_server():
    """The current app's authorization server."""
    return current_app.extensions[EXTENSION]
