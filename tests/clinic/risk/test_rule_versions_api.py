"""GET /api/v1/risk/rules/versions: every published rule-set version in full, newest first (the admin console
compares two of them)."""
import copy

from clinic.risk.engine.ruleset import default_ruleset_data


def _publish(client, admin, version, **params):
    data = copy.deepcopy(default_ruleset_data())
    data["version"] = version
    data["params"].update(params)
    r = client.post("/api/v1/risk/rules", json=data, headers=admin)
    assert r.status_code == 201, r.get_json()
    return data


def test_versions_are_listed_newest_first_in_full_and_paged(accounts, client):
    _, admin = accounts.admin()
    assert client.get("/api/v1/risk/rules/versions", headers=admin).get_json()["items"] == []
    _publish(client, admin, "2026.2")
    _publish(client, admin, "2026.3", max_days_supply=84)
    body = client.get("/api/v1/risk/rules/versions", headers=admin).get_json()
    assert [v["version"] for v in body["items"]] == ["2026.3", "2026.2"]
    newest = body["items"][0]
    assert newest["params"]["max_days_supply"] == 84 and newest["source"] == "published"
    assert len(newest["rules"]) == len(default_ruleset_data()["rules"]) and newest["published_at"]
    first = client.get("/api/v1/risk/rules/versions?limit=1", headers=admin).get_json()
    assert [v["version"] for v in first["items"]] == ["2026.3"] and first["next"]
    second = client.get(first["next"], headers=admin).get_json()
    assert [v["version"] for v in second["items"]] == ["2026.2"] and second["next"] is None


def test_doctors_read_the_versions_patients_do_not(accounts, client):
    _, patient = accounts.patient()
    _, doctor = accounts.staff("doctor", "dr.li", practitioner_id="p-li")
    assert client.get("/api/v1/risk/rules/versions", headers=doctor).status_code == 200
    assert client.get("/api/v1/risk/rules/versions", headers=patient).status_code == 403
    bad = client.get("/api/v1/risk/rules/versions?limit=0", headers=doctor)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
