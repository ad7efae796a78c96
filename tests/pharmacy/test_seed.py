"""The demo pharmacies: four cooperating Ningbo pharmacies with stock, a review desk, idempotent."""
from sqlalchemy import func, select

from core.extensions import db
from pharmacy.models import Pharmacy, Stock


def test_demo_pharmacies_are_seeded_once_and_serve_the_demo_accounts(app, client, runner, accounts):
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    assert "(0 new records)" in runner.invoke(args=["seed", "demo"]).output
    with app.app_context():
        routable = db.session.scalars(select(Pharmacy.id).where(Pharmacy.routable.is_(True))).all()
        assert sorted(routable) == ["demo-pharmacy-1", "ningbo-jiangbei-1", "ningbo-yinzhou-1", "ningbo-zhenhai-1"]
        assert db.session.get(Pharmacy, "ningbo-review").reviews is True
        assert db.session.scalar(select(func.count()).select_from(Stock).where(Stock.code == "C08CA01")) == 4
    li = accounts.login("pharmacist.li", "pharma123")
    assert client.get("/api/v1/pharmacies/demo-pharmacy-1/stock", headers=li).status_code == 200
    assert client.get("/api/v1/reviews", headers=li).status_code == 403
    assert client.get("/api/v1/reviews", headers=accounts.login("pharmacist.zhao", "review123")).status_code == 200
    near = client.get("/api/v1/pharmacies?near=29.8683,121.5440&radius_km=5", headers=li).get_json()["items"]
    assert [p["id"] for p in near][:2] == ["demo-pharmacy-1", "ningbo-jiangbei-1"]
