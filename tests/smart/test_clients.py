"""Registering SMART clients: the admin API refuses registrations that do not fit the kind of client; the CLI
registers one and prints its id and secret."""
import json

from tests.smart.helpers import REDIRECT


def test_registration_refuses_what_does_not_fit_the_kind_of_client(client, accounts):
    _, admin = accounts.admin()
    _, patient = accounts.patient()
    cases = [
        {"name": "x", "auth_method": "none", "scope": "patient/Observation.rs"},  # no redirect URI
        {"name": "x", "auth_method": "none", "scope": "system/*.rs", "redirect_uris": [REDIRECT]},
        {"name": "x", "auth_method": "private_key_jwt", "scope": "system/*.rs"},  # no JWKS
        {"name": "x", "auth_method": "private_key_jwt", "scope": "system/*.rs", "jwks": {"keys": "k"}},
        {"name": "x", "auth_method": "private_key_jwt", "scope": "system/*.rs",
         "jwks": {"keys": [{"kty": "RSA", "n": "not-base64!", "e": "AQAB"}]}},
        {"name": "x", "auth_method": "private_key_jwt", "scope": "system/*.rs", "jwks": {"keys": [{"kty": "oct"}]}},
        {"name": "x", "auth_method": "none", "scope": "patient/Observation.xyz", "redirect_uris": [REDIRECT]},
    ]
    for body in cases:
        refused = client.post("/api/v1/smart/clients", json=body, headers=admin)
        assert refused.status_code == 422, (body, refused.get_json())
    ok = {"name": "Diary", "auth_method": "client_secret_basic", "scope": "user/*.rs", "redirect_uris": [REDIRECT]}
    assert client.post("/api/v1/smart/clients", json=ok, headers=patient).status_code == 403
    made = client.post("/api/v1/smart/clients", json=ok, headers=admin).get_json()
    assert made["client_secret"] and made["auth_method"] == "client_secret_basic"
    listed = client.get("/api/v1/smart/clients", headers=admin).get_json()["items"]
    assert [c["client_id"] for c in listed] == [made["client_id"]] and "client_secret" not in listed[0]
    gone = client.delete(f"/api/v1/smart/clients/{made['client_id']}", headers=admin)
    assert gone.status_code == 200 and gone.get_json()["is_active"] is False


def test_cli_registers_a_confidential_client(runner, client, accounts):
    result = runner.invoke(args=["smart", "register-client", "--name", "Regional platform", "--auth-method",
                                 "client_secret_post", "--scope", "user/*.rs", "--redirect-uri", REDIRECT])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["client_id"] and printed["client_secret"]
    listed = runner.invoke(args=["smart", "list-clients"])
    assert json.loads(listed.output.splitlines()[0])["name"] == "Regional platform"
    bad = runner.invoke(args=["smart", "register-client", "--name", "x", "--scope", "nonsense"])
    assert bad.exit_code != 0 and "scope" in bad.output
