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
    rooms = client.get("/api/v1/rooms", headers=headers).get_json()
    rooms = rooms["items"] if isinstance(rooms, dict) else rooms
    assert sorted(r["clinic"] for r in rooms) == ["diabetes", "general_medicine", "hypertension", "psychology"]
