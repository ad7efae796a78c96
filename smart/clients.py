"""Registered SMART clients: registration (admin API and CLI) and the client interface Authlib asks."""
import hashlib
import hmac
import json
import secrets

from authlib.oauth2.rfc6749 import ClientMixin
from joserfc.jwk import KeySet
from sqlalchemy import select

from core.errors import ApiError
from core.extensions import db
from records.api import scopes as smart_scopes
from smart.models import SmartClient

USER_GRANTS = ("authorization_code", "refresh_token")
BACKEND_GRANTS = ("client_credentials",)


def digest(value):
    """SHA-256 hex digest of a secret, code or token (only digests are stored)."""
    return hashlib.sha256(value.encode()).hexdigest()


def _covers(registered, requested):
    """True when a registered scope covers a requested one (same context, type or *, permissions within)."""
    if registered == requested:
        return True
    have, want = smart_scopes.parse_resource_scope(registered), smart_scopes.parse_resource_scope(requested)
    return bool(have and want) and have.context == want.context \
        and have.resource_type in ("*", want.resource_type) and set(want.permissions) <= set(have.permissions)


class OAuthClient(ClientMixin):
    """The view of a SmartClient row that Authlib's grants and endpoints ask questions of."""

    def __init__(self, row):
        self.row = row
        self.client_id = row.client_id

    def get_client_id(self):
        return self.row.client_id

    def get_default_redirect_uri(self):
        uris = self.row.redirect_uri_list
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope):
        registered = self.row.scope.split()
        return " ".join(s for s in (scope or "").split() if any(_covers(r, s) for r in registered))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.row.redirect_uri_list

    def check_client_secret(self, client_secret):
        return bool(self.row.secret_hash) and hmac.compare_digest(self.row.secret_hash, digest(client_secret or ""))

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.row.auth_method

    def check_response_type(self, response_type):
        return response_type == "code" and self.row.auth_method != "private_key_jwt"

    def check_grant_type(self, grant_type):
        allowed = BACKEND_GRANTS if self.row.auth_method == "private_key_jwt" else USER_GRANTS
        return grant_type in allowed

    @property
    def is_public(self):
        return self.row.auth_method == "none"


def query_client(client_id):
    """The active client `client_id` for Authlib, or None."""
    row = db.session.get(SmartClient, client_id) if isinstance(client_id, str) and client_id else None
    return OAuthClient(row) if row is not None and row.is_active else None


def _bad(field, message):
    return ApiError(422, "invalid_client_metadata", "The client registration is not valid.",
                    errors=[{"field": field, "message": message}])


def _check_jwks(jwks):
    """422 unless `jwks` is a JWKS of RSA or EC public keys (what RS384 and ES384 assertions are verified with)."""
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise _bad("jwks", "A backend client (private_key_jwt) needs a JWKS with its public keys.")
    if any(not isinstance(k, dict) or k.get("kty") not in ("RSA", "EC") or "d" in k for k in keys):
        raise _bad("jwks", "Only RSA or EC public keys (no private parts) belong in a client's JWKS.")
    try:
        KeySet.import_key_set(jwks)
    except Exception:  # joserfc raises many kinds for malformed keys: any of them makes the JWKS unusable
        raise _bad("jwks", "The JWKS does not hold valid keys.") from None


def register_client(name, auth_method, scope, redirect_uris=(), jwks=None):
    """Register a client; return (row, secret) where secret is shown once (confidential clients only)."""
    unknown = [s for s in scope.split() if not smart_scopes.is_known_scope(s)]
    if unknown or not scope.split():
        raise _bad("scope", f"Unknown or missing scopes: {' '.join(unknown) or '(none)'}.")
    if auth_method == "private_key_jwt":
        _check_jwks(jwks)
        if any(not s.startswith("system/") for s in scope.split()):
            raise _bad("scope", "A backend client may only hold system/ scopes.")
    elif not redirect_uris:
        raise _bad("redirect_uris", "An app that launches needs at least one redirect URI.")
    elif any(s.startswith("system/") for s in scope.split()):
        raise _bad("scope", "system/ scopes are for backend clients (private_key_jwt).")
    secret = secrets.token_urlsafe(32) if auth_method in ("client_secret_basic", "client_secret_post") else None
    row = SmartClient(client_id=secrets.token_urlsafe(16), name=name, auth_method=auth_method,
                      secret_hash=digest(secret) if secret else None, scope=" ".join(scope.split()),
                      redirect_uris=json.dumps(list(redirect_uris)), jwks=json.dumps(jwks) if jwks else None)
    db.session.add(row)
    db.session.flush()
    return row, secret


def clients_query():
    """SELECT of every registered client, oldest first."""
    return select(SmartClient).order_by(SmartClient.created_at, SmartClient.client_id)


def list_clients():
    """Every registered client, oldest first."""
    return db.session.scalars(clients_query()).all()


def deactivate_client(client_id):
    """Deactivate a client: it can no longer authenticate; its tokens stop working (smart.tokens checks)."""
    row = db.session.get(SmartClient, client_id)
    if row is None:
        raise ApiError(404, "not_found", "No such client.")
    row.is_active = False
    db.session.flush()
    return row
