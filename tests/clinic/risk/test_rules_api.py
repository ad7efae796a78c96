"""GET/POST /api/v1/risk/rules: the active rule set, publishing validated new versions."""
import copy

from clinic.risk.engine.ruleset import default_ruleset_data


def test_doctors_and_admins_read_the_active_rules_patients_do_not(accounts, client):
    _, admin = accounts.admin()
    _, patient = accounts.patient()
    _, doctor = accounts.staff("doctor", "dr.li", practitioner_id="p-li")
    body = client.get("/api/v1/risk/rules", headers=doctor).get_json()
    assert body["version"] == "2026.2" and body["source"] == "packaged" and len(body["rules"]) >= 10
    assert client.get("/api/v1/risk/rules", headers=admin).status_code == 200
    assert client.get("/api/v1/risk/rules", headers=patient).status_code == 403


def test_admin_publishes_a_new_version_which_takes_effect(accounts, client):
    _, admin = accounts.admin()
    data = copy.deepcopy(default_ruleset_data())
    data["version"] = "2026.2"
    data["params"]["max_days_supply"] = 84
    r = client.post("/api/v1/risk/rules", json=data, headers=admin)
    assert r.status_code == 201, r.get_json()
    active = client.get("/api/v1/risk/rules", headers=admin).get_json()
    assert (active["version"], active["params"]["max_days_supply"], active["source"]) == ("2026.2", 84, "published")
    again = client.post("/api/v1/risk/rules", json=data, headers=admin)
    assert again.status_code == 409 and again.get_json()["code"] == "ruleset_version_exists"


def test_a_malformed_rule_set_is_refused_and_the_active_version_stays(accounts, client):
    _, admin = accounts.admin()
    data = copy.deepcopy(default_ruleset_data())
    data["version"] = "2026.3-broken"
    data["rules"][0]["condition"] = {"fact": "visit.is_follow_up", "op": "lte", "value": True}
    data["rules"][1]["outcome"] = "maybe"
    r = client.post("/api/v1/risk/rules", json=data, headers=admin)
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    messages = " ".join(e["message"] for e in r.get_json()["errors"])
    assert "rules[0].condition" in messages and "lte" in messages and "rules[1].outcome" in messages
    assert client.get("/api/v1/risk/rules", headers=admin).get_json()["version"] == "2026.2"


def test_only_admins_publish(accounts, client):
    _, doctor = accounts.staff("doctor", "dr.li", practitioner_id="p-li")
    assert client.post("/api/v1/risk/rules", json=default_ruleset_data(), headers=doctor).status_code == 403


def test_an_upgrade_publishes_the_packaged_rules_once_from_the_command_line(app):
    from clinic.risk.models import RuleSetVersion
    from clinic.risk.rulesets import active_ruleset, publish_ruleset
    from core.extensions import db

    with app.app_context():
        older = copy.deepcopy(default_ruleset_data())
        older["version"] = "2026.1"
        publish_ruleset(None, older)  # what a database seeded by the previous release holds
        db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["clinic", "publish-packaged-rules"])
    assert first.exit_code == 0 and "published rule set 2026.2 (was 2026.1" in first.output, first.output
    again = runner.invoke(args=["clinic", "publish-packaged-rules"])
    assert again.exit_code == 0 and "2026.2 stays active" in again.output, again.output
    with app.app_context():
        assert active_ruleset().version == "2026.2"
        assert [r.version for r in db.session.query(RuleSetVersion).order_by(RuleSetVersion.id)] == ["2026.1", "2026.2"]
