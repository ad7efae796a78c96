"""Authlib's grants and endpoints, bound to SMART's tables: authorization code with PKCE, rotating refresh
tokens, client credentials with a signed JWT assertion (private_key_jwt), revocation and introspection."""
import json
from datetime import datetime, timedelta, timezone

from authlib.oauth2.rfc6749 import InvalidRequestError, InvalidScopeError, grants
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import current_app, url_for
from authlib.oauth2.rfc6749 import InvalidClientError
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from core import clock
from core.extensions import db
from core.models import User
from smart.clients import digest
from smart.models import SmartAssertionId, SmartAuthorizationCode, SmartToken
from smart.tokens import live_row, revoke_row

ALL_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none", "private_key_jwt"]


class SmartCodeChallenge(CodeChallenge):
    """PKCE as SMART 2 wants it: required on every authorization request (not only at the exchange), S256 only."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256.")
        super().validate_code_challenge(grant, redirect_uri)


class CodeView:
    """Authlib's view of a stored authorization code."""

    def __init__(self, row):
        self.row = row
        self.code_challenge = row.code_challenge  # read as attributes by Authlib's CodeChallenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self):
        return self.row.redirect_uri

    def get_scope(self):
        return self.row.scope

    def get_nonce(self):
        return self.row.nonce

    def get_auth_time(self):
        return int(self.row.auth_time.timestamp())

    def get_acr(self):
        return None

    def get_amr(self):
        return None

    def get_code_challenge(self):
        return self.row.code_challenge

    def get_code_challenge_method(self):
        return self.row.code_challenge_method


class TokenView:
    """Authlib's view of a stored token issue (access and refresh token together)."""

    def __init__(self, row):
        self.row = row

    def check_client(self, client):
        return self.row.client_id == client.get_client_id()

    def get_scope(self):
        return self.row.scope

    def get_expires_in(self):
        return max(0, int((self.row.expires_at - clock.now()).total_seconds()))

    def is_expired(self):
        return self.row.expires_at <= clock.now()

    def is_revoked(self):
        return self.row.revoked_at is not None


def _include_refresh(scope, include_refresh_token):
    return include_refresh_token and "offline_access" in (scope or "").split()


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    """The standalone launch: the code the consent page gave, exchanged with its PKCE verifier."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def save_authorization_code(self, code, request):
        payload = request.payload
        ttl = current_app.config["SMART_CODE_SECONDS"]
        db.session.add(SmartAuthorizationCode(
            code_hash=digest(code), client_id=request.client.get_client_id(), user_id=request.user.id,
            redirect_uri=payload.redirect_uri or request.client.get_default_redirect_uri(),
            scope=request.client.get_allowed_scope(payload.scope),  # what the consent page listed
            nonce=payload.data.get("nonce"), code_challenge=payload.data.get("code_challenge"),
            code_challenge_method=payload.data.get("code_challenge_method"),
            expires_at=clock.now() + timedelta(seconds=ttl)))
        db.session.flush()

    def query_authorization_code(self, code, client):
        row = db.session.scalar(select(SmartAuthorizationCode).where(
            SmartAuthorizationCode.code_hash == digest(code or ""),
            SmartAuthorizationCode.client_id == client.get_client_id()).with_for_update())
        return CodeView(row) if row is not None and row.expires_at > clock.now() else None

    def delete_authorization_code(self, authorization_code):
        db.session.delete(authorization_code.row)  # one use: a second exchange finds nothing
        db.session.flush()

    def authenticate_user(self, authorization_code):
        user = db.session.get(User, authorization_code.row.user_id)
        return user if user is not None and user.is_active else None

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None, include_refresh_token=True):
        return super().generate_token(user=user, scope=scope, grant_type=grant_type, expires_in=expires_in,
                                      include_refresh_token=_include_refresh(scope, include_refresh_token))


class RefreshTokenGrant(grants.RefreshTokenGrant):
    """A refresh token buys a new pair; the old pair is revoked (rotation), so a stolen one is used once."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        row = live_row(SmartToken.refresh_token_hash, refresh_token, lock=True)
        return TokenView(row) if row is not None else None

    def authenticate_user(self, refresh_token):
        user = db.session.get(User, refresh_token.row.user_id) if refresh_token.row.user_id else None
        return user if user is not None and user.is_active else None

    def revoke_old_credential(self, refresh_token):
        revoke_row(refresh_token.row)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """SMART Backend Services: a system client authenticated by its signed JWT assertion."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["private_key_jwt"]

    def validate_token_request(self):
        super().validate_token_request()
        requested = self.request.payload.scope
        if requested and not self.request.client.get_allowed_scope(requested):
            raise InvalidScopeError("None of the scopes asked for is registered for this client.")


class PrivateKeyJwt(JWTBearerClientAssertion):
    """private_key_jwt: the assertion is verified with the client's registered JWKS (RS384/ES384), its
    audience must be our token endpoint, and its jti is stored until it expires so a replay is refused."""

    CLIENT_AUTH_METHOD = "private_key_jwt"
    ALGORITHMS = ["RS384", "ES384"]  # SMART Backend Services: the two a server must support, nothing weaker

    def process_assertion_claims(self, assertion, resolve_key):
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=self.ALGORITHMS)
        except JoseError as error:
            raise InvalidClientError(description=error.description) from error
        self.verify_claims(token.claims)
        return token.claims

    def get_audiences(self):
        return [url_for("smart.issue_token", _external=True)]

    def resolve_client_public_key(self, client):
        return KeySet.import_key_set(json.loads(client.row.jwks))

    def validate_jti(self, claims, jti):
        now = clock.now()
        db.session.execute(delete(SmartAssertionId).where(SmartAssertionId.expires_at < now))
        expires = claims.get("exp")
        expires_at = datetime.fromtimestamp(expires, timezone.utc) if isinstance(expires, (int, float)) else now
        try:
            with db.session.begin_nested():
                db.session.add(SmartAssertionId(client_id=str(claims.get("sub")), jti=str(jti)[:200],
                                                expires_at=max(expires_at, now) + timedelta(minutes=5)))
        except IntegrityError:
            return False
        return True


def _query_token(token_string, token_type_hint):
    if token_type_hint != "refresh_token":
        row = live_row(SmartToken.access_token_hash, token_string)
        if row is not None:
            return TokenView(row)
    if token_type_hint != "access_token":
        row = live_row(SmartToken.refresh_token_hash, token_string)
        if row is not None:
            return TokenView(row)
    return None


class Revocation(RevocationEndpoint):
    """RFC 7009: a client revokes its own token (access or refresh: the pair goes together)."""

    CLIENT_AUTH_METHODS = ALL_AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        return _query_token(token_string, token_type_hint)

    def revoke_token(self, token, request):
        revoke_row(token.row)


class Introspection(IntrospectionEndpoint):
    """RFC 7662 for resource servers: any authenticated confidential or backend client may ask."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]

    def query_token(self, token_string, token_type_hint):
        return _query_token(token_string, token_type_hint)

    def check_permission(self, token, client, request):
        return not client.is_public

    def introspect_token(self, token):
        row = token.row
        answer = {"active": True, "client_id": row.client_id, "scope": row.scope, "token_type": "Bearer",
                  "exp": int(row.expires_at.timestamp()), "iat": int(row.issued_at.timestamp()),
                  "sub": row.user_id or row.client_id}
        if row.patient_id:
            answer["patient"] = row.patient_id
        return answer
