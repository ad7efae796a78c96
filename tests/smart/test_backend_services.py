"""SMART Backend Services through HTTP: a system client authenticates with a JWT assertion signed by its
private key (RS384 or ES384; the public key registered as a JWKS), gets a system/ token, reads within its scopes
and is refused outside them; an assertion is good once (jti), and only at our token endpoint."""
import time
import uuid

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from tests.smart.helpers import observation, patient_with_records, register

pytestmark = pytest.mark.live
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def backend_client(client, admin, key, scope="system/*.rs"):
    """Register a backend client holding the public half of `key`; return its client_id."""
    public = key.as_dict(private=False)
    public.update({"kid": "k1", "use": "sig"})
    return register(client, admin, name="Regional platform", auth_method="private_key_jwt", scope=scope,
                    redirect_uris=[], jwks={"keys": [public]})["client_id"]


def assertion(key, client_id, audience, alg, jti=None, lifetime=300):
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": audience, "exp": now + lifetime, "iat": now,
              "jti": jti or uuid.uuid4().hex}
    return jwt.encode({"alg": alg, "kid": "k1", "typ": "JWT"}, claims, key, algorithms=[alg])


def ask_token(live, signed, scope="system/*.rs"):
    return requests.post(f"{live}/oauth/token", data={"grant_type": "client_credentials", "scope": scope,
                                                      "client_assertion_type": ASSERTION_TYPE,
                                                      "client_assertion": signed})


def test_authlib_client_with_rs384_reads_and_cannot_write(client, accounts, live_server):
    live = live_server.url
    _, admin = accounts.admin()
    account, _ = patient_with_records(client, accounts, admin)
    key = RSAKey.generate_key(2048)
    client_id = backend_client(client, admin, key)
    token_url = f"{live}/oauth/token"
    session = OAuth2Session(client_id, key.as_pem(private=True).decode(), scope="system/*.rs",
                            token_endpoint_auth_method=PrivateKeyJWT(token_url, alg="RS384"))
    token = session.fetch_token(token_url, grant_type="client_credentials")
    assert token["scope"] == "system/*.rs" and "refresh_token" not in token and token["expires_in"] <= 300

    found = session.get(f"{live}/fhir/Observation", params={"patient": account["patient_id"]})
    assert found.status_code == 200 and len(found.json()["entry"]) == 1
    written = session.post(f"{live}/fhir/Observation", json=observation(account["patient_id"]),
                           headers={"Content-Type": "application/fhir+json"})
    assert written.status_code == 403 and written.json()["resourceType"] == "OperationOutcome"


def test_es384_assertion_is_good_once_and_only_for_our_endpoint(client, accounts, live_server):
    live = live_server.url
    _, admin = accounts.admin()
    key = ECKey.generate_key("P-384")
    client_id = backend_client(client, admin, key)
    signed = assertion(key, client_id, f"{live}/oauth/token", "ES384")
    first = ask_token(live, signed)
    assert first.status_code == 200, first.text
    replay = ask_token(live, signed)
    assert replay.status_code in (400, 401) and replay.json()["error"] == "invalid_client"

    elsewhere = ask_token(live, assertion(key, client_id, "https://other.example/token", "ES384"))
    assert elsewhere.json()["error"] == "invalid_client"
    stranger = ECKey.generate_key("P-384")
    forged = ask_token(live, assertion(stranger, client_id, f"{live}/oauth/token", "ES384"))
    assert forged.json()["error"] == "invalid_client"
    wider = ask_token(live, assertion(key, client_id, f"{live}/oauth/token", "ES384"), scope="system/*.cruds")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    narrower = ask_token(live, assertion(key, client_id, f"{live}/oauth/token", "ES384"),
                         scope="system/Observation.rs")
    assert narrower.json()["scope"] == "system/Observation.rs"
    headers = {"Authorization": f"Bearer {narrower.json()['access_token']}"}
    assert requests.get(f"{live}/fhir/Condition", headers=headers).status_code == 403


def test_rs256_is_not_accepted(client, accounts, live_server):
    live = live_server.url
    _, admin = accounts.admin()
    key = RSAKey.generate_key(2048)
    client_id = backend_client(client, admin, key)
    refused = ask_token(live, assertion(key, client_id, f"{live}/oauth/token", "RS256"))
    assert refused.json()["error"] == "invalid_client"
