"""SMART App Launch through HTTP with Authlib's own OAuth2Session (requests) against a live server:
discovery, authorize with PKCE and the consent page, token with patient context, a scoped read allowed and one
refused by scope, rotating refresh, revocation, introspection, and the patient's list of authorised apps."""
import json
import re

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry
from tests.smart.helpers import REDIRECT, observation, patient_with_records, register

pytestmark = pytest.mark.live
SCOPE = "launch/patient offline_access patient/Observation.rs"


def _approve(base, url, username, password, decision="approve"):
    """What the user does in the browser: open the consent page, log in and approve; the redirect's Location."""
    browser = requests.Session()
    page = browser.get(url)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"csrf_token": csrf, "username": username, "password": password, "decision": decision}
    answer = browser.post(url, data=form, allow_redirects=False)
    return page, answer


def _launch(live, client_id, account, scope=SCOPE):
    app = OAuth2Session(client_id, redirect_uri=REDIRECT, scope=scope, code_challenge_method="S256",
                        token_endpoint_auth_method="none")
    verifier = generate_token(48)
    url, state = app.create_authorization_url(f"{live}/oauth/authorize", code_verifier=verifier, aud=f"{live}/fhir")
    page, answer = _approve(live, url, account["phone"], account["password"])
    assert answer.status_code == 302, answer.text
    assert f"state={state}" in answer.headers["Location"]
    token = app.fetch_token(f"{live}/oauth/token", authorization_response=answer.headers["Location"],
                            code_verifier=verifier)
    return app, token, page


def test_discovery_at_the_root_and_beside_the_fhir_base(client):
    for path in ("/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration"):
        found = client.get(path)
        assert found.status_code == 200
        config = found.get_json()
        assert config["authorization_endpoint"].endswith("/oauth/authorize")
        assert config["token_endpoint"].endswith("/oauth/token")
        assert "S256" in config["code_challenge_methods_supported"]
        assert {"permission-v2", "launch-standalone", "client-public"} <= set(config["capabilities"])
        assert "private_key_jwt" in config["token_endpoint_auth_methods_supported"]
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement

    statement = client.get("/fhir/metadata").get_json()
    CapabilityStatement.model_validate(statement)  # still a valid R4 CapabilityStatement with SMART's additions
    rest = statement["rest"][0]
    assert "SMART-on-FHIR" in {c["code"] for s in rest["security"]["service"] for c in s["coding"]}
    uris = {e["url"]: e["valueUri"] for e in rest["security"]["extension"][0]["extension"]}
    assert uris["token"].endswith("/oauth/token") and "/fhir" not in uris["token"]
    assert "export" in {o["name"] for o in rest["operation"]}


def test_standalone_launch_reads_what_the_scopes_allow_and_no_more(app, client, accounts, live_server):
    live = live_server.url
    _, admin = accounts.admin()
    account, headers = patient_with_records(client, accounts, admin)
    registered = register(client, admin, scope=SCOPE + " patient/Condition.r")
    smart_app, token, page = _launch(live, registered["client_id"], account)

    assert "patient/Observation.rs" in page.text and "Health diary" in page.text
    assert token["patient"] == account["patient_id"] and token["token_type"].lower() == "bearer"
    assert set(token["scope"].split()) == set(SCOPE.split())  # Condition was registered, not asked for
    assert token.get("refresh_token")
    found = smart_app.get(f"{live}/fhir/Observation", params={"patient": account["patient_id"]})
    assert found.status_code == 200
    assert [e["resource"]["resourceType"] for e in found.json()["entry"]] == ["Observation"]
    refused = smart_app.get(f"{live}/fhir/Condition", params={"patient": account["patient_id"]})
    assert refused.status_code == 403
    assert refused.json()["resourceType"] == "OperationOutcome"
    # The first-party token of the same patient is not narrowed by any scope.
    assert client.get(f"/fhir/Condition?patient={account['patient_id']}", headers=headers).status_code == 200
    # A SMART token is for /fhir only: the app API does not take it.
    assert smart_app.get(f"{live}/api/v1/me").status_code == 401

    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.detail.contains(registered["client_id"])))
        actions = {(e.action, e.outcome) for e in entries}
    assert {("authorize", "success"), ("token", "success"), ("search", "success"), ("search", "denied")} <= actions


def test_refresh_rotates_and_the_old_refresh_token_is_dead(app, client, accounts, live_server):
    live = live_server.url
    _, admin = accounts.admin()
    account, _ = patient_with_records(client, accounts, admin)
    registered = register(client, admin, scope=SCOPE)
    smart_app, first, _ = _launch(live, registered["client_id"], account)

    second = smart_app.refresh_token(f"{live}/oauth/token", refresh_token=first["refresh_token"])
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert smart_app.get(f"{live}/fhir/Observation").status_code == 200
    replay = requests.post(f"{live}/oauth/token", data={
        "grant_type": "refresh_token", "client_id": registered["client_id"], "refresh_token": first["refresh_token"]})
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    stale = requests.get(f"{live}/fhir/Observation", headers={"Authorization": f"Bearer {first['access_token']}"})
    assert stale.status_code == 401
    with app.app_context():
        issued = [json.loads(e.detail) for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "token").order_by(AuditEntry.id))]
    assert [(d["client_id"], d["grant_type"]) for d in issued] == [
        (registered["client_id"], "authorization_code"), (registered["client_id"], "refresh_token")]


def test_revocation_ends_the_token_and_introspection_says_so(client, accounts, live_server):
    live = live_server.url
    _, admin = accounts.admin()
    account, headers = patient_with_records(client, accounts, admin)
    registered = register(client, admin, scope=SCOPE)
    resource_server = register(client, admin, name="Regional platform", auth_method="client_secret_basic",
                               scope="patient/*.rs")
    smart_app, token, _ = _launch(live, registered["client_id"], account)
    auth = (resource_server["client_id"], resource_server["client_secret"])

    seen = requests.post(f"{live}/oauth/introspect", data={"token": token["access_token"]}, auth=auth).json()
    assert seen["active"] is True and seen["client_id"] == registered["client_id"]
    assert seen["patient"] == account["patient_id"] and "patient/Observation.rs" in seen["scope"]
    public = requests.post(f"{live}/oauth/introspect", data={"token": token["access_token"],
                                                             "client_id": registered["client_id"]})
    assert public.status_code in (400, 401)  # a public client may not introspect

    revoked = smart_app.revoke_token(f"{live}/oauth/revoke", token=token["refresh_token"],
                                     token_type_hint="refresh_token")
    assert revoked.status_code == 200
    assert smart_app.get(f"{live}/fhir/Observation").status_code == 401
    seen = requests.post(f"{live}/oauth/introspect", data={"token": token["access_token"]}, auth=auth).json()
    assert seen == {"active": False}


def test_the_patient_lists_and_withdraws_authorised_apps(client, accounts, live_server):
    live = live_server.url
    _, admin = accounts.admin()
    account, headers = patient_with_records(client, accounts, admin)
    registered = register(client, admin, scope=SCOPE)
    smart_app, _, _ = _launch(live, registered["client_id"], account)

    apps = client.get("/api/v1/me/apps", headers=headers).get_json()["items"]
    assert [(a["client_id"], a["name"]) for a in apps] == [(registered["client_id"], "Health diary")]
    assert "patient/Observation.rs" in apps[0]["scope"]
    assert client.delete(f"/api/v1/me/apps/{registered['client_id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me/apps", headers=headers).get_json()["items"] == []
    assert smart_app.get(f"{live}/fhir/Observation").status_code == 401
    assert client.delete(f"/api/v1/me/apps/{registered['client_id']}", headers=headers).status_code == 404


def test_consent_page_refuses_a_forged_form_and_a_denial_goes_back_to_the_app(client, accounts, live_server):
    live = live_server.url
    _, admin = accounts.admin()
    account, _ = patient_with_records(client, accounts, admin)
    registered = register(client, admin, scope=SCOPE)
    app = OAuth2Session(registered["client_id"], redirect_uri=REDIRECT, scope=SCOPE, code_challenge_method="S256")
    url, _ = app.create_authorization_url(f"{live}/oauth/authorize", code_verifier=generate_token(48))
    elsewhere, _ = app.create_authorization_url(f"{live}/oauth/authorize", code_verifier=generate_token(48),
                                                aud="https://other.example/fhir")
    assert requests.get(elsewhere).status_code == 400
    forged = requests.post(url, data={"csrf_token": "guess", "username": account["phone"],
                                      "password": account["password"], "decision": "approve"}, allow_redirects=False)
    assert forged.status_code == 403
    _, denied = _approve(live, url, account["phone"], account["password"], decision="deny")
    assert denied.status_code == 302 and "error=access_denied" in denied.headers["Location"]
    _, wrong = _approve(live, url, account["phone"], "not-the-password")
    assert wrong.status_code == 401 and "incorrect" in wrong.text


def test_pkce_is_required_and_a_code_is_used_once(client, accounts, live_server):
    live = live_server.url
    _, admin = accounts.admin()
    account, _ = patient_with_records(client, accounts, admin)
    registered = register(client, admin, scope=SCOPE)
    no_pkce = OAuth2Session(registered["client_id"], redirect_uri=REDIRECT, scope=SCOPE)
    url, _ = no_pkce.create_authorization_url(f"{live}/oauth/authorize")
    refused = requests.get(url, allow_redirects=False)
    assert refused.status_code == 400 and "PKCE is required" in refused.text  # before any page

    app = OAuth2Session(registered["client_id"], redirect_uri=REDIRECT, scope=SCOPE, code_challenge_method="S256",
                        token_endpoint_auth_method="none")
    verifier = generate_token(48)
    url, _ = app.create_authorization_url(f"{live}/oauth/authorize", code_verifier=verifier)
    _, answer = _approve(live, url, account["phone"], account["password"])
    code = re.search(r"code=([^&]+)", answer.headers["Location"]).group(1)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": registered["client_id"]}
    wrong = requests.post(f"{live}/oauth/token", data={**form, "code_verifier": generate_token(48)})
    assert wrong.status_code == 400
    right = requests.post(f"{live}/oauth/token", data={**form, "code_verifier": verifier})
    assert right.status_code == 200, right.text
    again = requests.post(f"{live}/oauth/token", data={**form, "code_verifier": verifier})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_openid_fhir_user_gives_a_signed_id_token_naming_the_patient(client, accounts, live_server):
    from joserfc import jwt
    from joserfc.jwk import KeySet

    live = live_server.url
    _, admin = accounts.admin()
    account, _ = patient_with_records(client, accounts, admin)
    scope = "openid fhirUser launch/patient patient/*.rs"
    registered = register(client, admin, scope=scope)
    app = OAuth2Session(registered["client_id"], redirect_uri=REDIRECT, scope=scope, code_challenge_method="S256",
                        token_endpoint_auth_method="none")
    verifier = generate_token(48)
    url, _ = app.create_authorization_url(f"{live}/oauth/authorize", code_verifier=verifier, nonce="n-0S6_WzA2Mj")
    _, answer = _approve(live, url, account["phone"], account["password"])
    token = app.fetch_token(f"{live}/oauth/token", authorization_response=answer.headers["Location"],
                            code_verifier=verifier)

    config = requests.get(f"{live}/.well-known/smart-configuration").json()
    keys = KeySet.import_key_set(requests.get(config["jwks_uri"]).json())
    claims = jwt.decode(token["id_token"], keys, algorithms=["RS256"]).claims
    assert claims["fhirUser"] == f"{live}/fhir/Patient/{account['patient_id']}"
    assert claims["aud"] == [registered["client_id"]] and claims["iss"] == live and claims["nonce"] == "n-0S6_WzA2Mj"
    me = app.get(claims["fhirUser"])
    assert me.status_code == 200 and me.json()["id"] == account["patient_id"]


def test_concurrent_uses_of_one_refresh_token_give_one_new_pair(client, accounts, live_server):
    from concurrent.futures import ThreadPoolExecutor

    live = live_server.url
    _, admin = accounts.admin()
    account, _ = patient_with_records(client, accounts, admin)
    registered = register(client, admin, scope=SCOPE)
    _, token, _ = _launch(live, registered["client_id"], account)
    form = {"grant_type": "refresh_token", "client_id": registered["client_id"],
            "refresh_token": token["refresh_token"]}
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: requests.post(f"{live}/oauth/token", data=form), range(4)))
    assert sorted(a.status_code for a in answers) == [200, 400, 400, 400], [a.text for a in answers]


def test_a_token_never_sees_more_than_its_user(client, accounts, live_server):
    """A patient's app reaches only that patient; a doctor's app with user/*.rs reaches only the patients the doctor
    cares for (here none), however wide its scopes."""
    live = live_server.url
    _, admin = accounts.admin()
    account, _ = patient_with_records(client, accounts, admin)
    other, _ = patient_with_records(client, accounts, admin)
    others_observation = client.get(f"/fhir/Observation?patient={other['patient_id']}",
                                    headers=admin).get_json()["entry"][0]["resource"]["id"]
    registered = register(client, admin, scope="launch/patient patient/*.rs user/*.cruds")
    patient_app, _, _ = _launch(live, registered["client_id"], account, scope="launch/patient patient/*.rs")
    assert patient_app.get(f"{live}/fhir/Observation/{others_observation}").status_code == 403
    found = patient_app.get(f"{live}/fhir/Observation").json()
    assert {e["resource"]["subject"]["reference"] for e in found["entry"]} == {f"Patient/{account['patient_id']}"}

    accounts.staff("doctor", "drsmart", practitioner_id="pract-smart")
    doctor = {"phone": "drsmart", "password": "staffpass1"}
    doctor_app, token, _ = _launch(live, registered["client_id"], doctor, scope="user/*.cruds")
    assert "patient" not in token  # no patient in context for a clinician's standalone launch
    assert doctor_app.get(f"{live}/fhir/Observation/{others_observation}").status_code == 403
    searched = doctor_app.get(f"{live}/fhir/Observation", params={"patient": other["patient_id"]})
    assert searched.status_code == 200 and searched.json()["total"] == 0 and "entry" not in searched.json()
    written = doctor_app.post(f"{live}/fhir/Observation", json=observation(other["patient_id"]),
                              headers={"Content-Type": "application/fhir+json"})
    assert written.status_code == 403
