def test_healthz_answers(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}


def test_register_login_me(accounts, client):
    account, headers = accounts.patient()
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["role"] == "patient" and me["patient_id"] == account["patient_id"]
