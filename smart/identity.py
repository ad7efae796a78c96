"""OpenID Connect for `openid fhirUser`: the server's signing key, its JWKS, and the id_token Authlib issues
with the authorization code (SMART App Launch: fhirUser names the user's FHIR resource)."""
import os
from pathlib import Path

from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import current_app, request
from joserfc.jwk import RSAKey
from sqlalchemy import select

from core.extensions import db
from smart.models import SmartAuthorizationCode

KEY_FILE = "smart_signing_key.pem"
ID_TOKEN_SECONDS = 3600


def signing_key():
    """The RSA key that signs id_tokens: SMART_SIGNING_KEY (PEM) or one kept in the instance folder (made once)."""
    cached = current_app.extensions.get("smart.signing_key")
    if cached is not None:
        return cached
    pem = current_app.config.get("SMART_SIGNING_KEY") or ""
    if not pem:
        path = Path(current_app.instance_path) / KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fresh = RSAKey.generate_key(2048).as_pem(private=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                out.write(fresh)
        pem = path.read_text()
    key = RSAKey.import_key(pem)
    key.ensure_kid()
    current_app.extensions["smart.signing_key"] = key
    return key


def jwks():
    """The public JWKS apps verify id_tokens with."""
    public = signing_key().as_dict(private=False)
    return {"keys": [{**public, "use": "sig", "alg": "RS256"}]}


def fhir_user(user):
    """The FHIR resource URL of a user (Patient or Practitioner), or None."""
    base = request.url_root.rstrip("/") + "/fhir"
    if user.patient_id:
        return f"{base}/Patient/{user.patient_id}"
    if user.practitioner_id:
        return f"{base}/Practitioner/{user.practitioner_id}"
    return None


class SmartOpenIDCode(OpenIDCode):
    """Authlib's OpenID Connect extension of the code grant, signed with the server's key."""

    def resolve_client_private_key(self, client):
        return signing_key()

    def get_client_algorithm(self, client):
        return "RS256"

    def get_encode_header(self, client):
        return {"alg": "RS256", "kid": signing_key().kid}

    def get_client_claims(self, client):
        import time

        return {"iss": request.url_root.rstrip("/"), "aud": [client.get_client_id()],
                "exp": int(time.time()) + ID_TOKEN_SECONDS}

    def exists_nonce(self, nonce, request):
        return db.session.scalar(select(SmartAuthorizationCode.id).where(
            SmartAuthorizationCode.client_id == request.payload.client_id,
            SmartAuthorizationCode.nonce == nonce)) is not None

    def generate_user_info(self, user, scope):
        info = UserInfo(sub=user.id)
        scopes = scope.split()
        if "fhirUser" in scopes and fhir_user(user):
            info["fhirUser"] = fhir_user(user)
        if "profile" in scopes:
            info["name"] = user.name
        return info
