"""`flask seed demo` loads the demo data once; a second run changes nothing."""
from sqlalchemy import func, select

from core.extensions import db
from core.models import User
from seeds.demo import DEMO_ACCOUNTS_TABLE


def test_seed_demo_is_idempotent_and_its_accounts_log_in(app, runner, accounts):
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(User))
    second = runner.invoke(args=["seed", "demo"])
    assert "(0 new records)" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == count == len(DEMO_ACCOUNTS_TABLE)
    for role, username, password in DEMO_ACCOUNTS_TABLE:
        assert username in first.output
        accounts.login(username, password)


def test_seed_demo_opens_the_four_cloud_consulting_rooms(app, runner, accounts, client):
    runner.invoke(args=["seed", "demo"])
    runner.invoke(args=["seed", "demo"])
    headers = accounts.login("doctor.wang", "doctor123")
    rooms = client.get("/api/v1/rooms", headers=headers).get_json()["items"]
    rooms = rooms["items"] if isinstance(rooms, dict) else rooms
    assert sorted(r["clinic"] for r in rooms) == ["diabetes", "general_medicine", "hypertension", "psychology"]


def test_demo_patients_with_an_in_person_diagnosis_may_book_online_and_the_other_is_referred(runner, accounts,
                                                                                              client):
    runner.invoke(args=["seed", "demo"])
    again = runner.invoke(args=["seed", "demo"])
    assert "(0 new records)" in again.output
    for phone, complaint, expected in (("13800000001", "I10", "allow"), ("13800000002", "E11", "allow"),
                                       ("13800000003", "I10", "refer_offline")):
        headers = accounts.login(phone, "patient123")
        answer = client.post("/api/v1/eligibility", headers=headers,
                             json={"checkpoint": "book_online", "complaint_code": complaint}).get_json()
        assert answer["decision"] == expected, (phone, answer)
    zhang = accounts.login("13800000001", "patient123")
    conditions = client.get("/fhir/Condition", headers=zhang).get_json()
    assert [e["resource"]["code"]["coding"][0]["code"] for e in conditions["entry"]] == ["I10"]


def test_seed_demo_refuses_to_run_in_production(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "ENV", "production")  # as CLOUD_HOSPITAL_ENV=production sets it
    refused = runner.invoke(args=["seed", "demo"])
    assert refused.exit_code == 1
    assert "seed demo refuses to run under CLOUD_HOSPITAL_ENV=production" in refused.output
    assert "admin12345" not in refused.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
