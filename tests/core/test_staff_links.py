"""Staff accounts link only to a practitioner or pharmacy that exists, and a practitioner to one active account."""
import threading

import pytest
import requests
from sqlalchemy import func, select

from clinic.directory import services as directory
from core.extensions import db
from core.models import User
from pharmacy.models import Pharmacy


def _doctor_row(app, practitioner_id):
    with app.app_context():
        directory.save_doctor({"practitioner_id": practitioner_id, "name": "Dr Link", "specialties": ["hypertension"],
                               "institution_ids": []})
        db.session.commit()


def _staff(role, username, **links):
    return {"role": role, "username": username, "password": "staffpass1", "name": username.title(), **links}


def test_links_to_nothing_are_refused(app, accounts, client):
    _, admin = accounts.admin()
    r = client.post("/api/v1/admin/users", headers=admin, json=_staff("doctor", "dr.ghost", practitioner_id="nobody"))
    assert (r.status_code, r.get_json()["code"]) == (422, "unknown_practitioner")
    assert r.mimetype == "application/problem+json" and r.get_json()["errors"][0]["field"] == "practitioner_id"
    r = client.post("/api/v1/admin/users", headers=admin, json=_staff("pharmacist", "ph.ghost", pharmacy_id="nowhere"))
    assert (r.status_code, r.get_json()["code"]) == (422, "unknown_pharmacy")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.role != "admin")) == 0


def test_a_practitioner_has_one_active_account_and_a_pharmacy_several(app, accounts, client):
    _, admin = accounts.admin()
    _doctor_row(app, "pr-one")
    first = client.post("/api/v1/admin/users", headers=admin, json=_staff("doctor", "dr.one", practitioner_id="pr-one"))
    assert first.status_code == 201, first.get_json()
    r = client.post("/api/v1/admin/users", headers=admin, json=_staff("doctor", "dr.two", practitioner_id="pr-one"))
    assert (r.status_code, r.get_json()["code"]) == (409, "link_taken")
    # Deactivated, the link is free for a new account; the old one cannot come back while it is held.
    user_id = first.get_json()["id"]
    assert client.patch(f"/api/v1/admin/users/{user_id}", headers=admin, json={"is_active": False}).status_code == 200
    assert client.post("/api/v1/admin/users", headers=admin,
                       json=_staff("doctor", "dr.two", practitioner_id="pr-one")).status_code == 201
    r = client.patch(f"/api/v1/admin/users/{user_id}", headers=admin, json={"is_active": True})
    assert (r.status_code, r.get_json()["code"]) == (409, "link_taken")
    # A pharmacy has several pharmacists.
    with app.app_context():
        db.session.add(Pharmacy(id="shop", name="Shop", address="1 Road", lat=29.87, lon=121.54))
        db.session.commit()
    for name in ("ph.a", "ph.b"):
        r = client.post("/api/v1/admin/users", headers=admin, json=_staff("pharmacist", name, pharmacy_id="shop"))
        assert r.status_code == 201, r.get_json()


@pytest.mark.live
def test_two_admins_linking_the_same_practitioner_at_once_one_wins(app, accounts, live_server):
    _, admin = accounts.admin()
    _doctor_row(app, "pr-race")
    barrier, results = threading.Barrier(2), []

    def create(n):
        with requests.Session() as session:
            session.get(f"{live_server.url}/healthz", timeout=60)
            barrier.wait(timeout=60)
            r = session.post(f"{live_server.url}/api/v1/admin/users", headers=admin, timeout=60,
                             json=_staff("doctor", f"dr.race{n}", practitioner_id="pr-race"))
            results.append((r.status_code, r.json().get("code")))

    threads = [threading.Thread(target=create, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=lambda x: x[0]) == [(201, None), (409, "link_taken")]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.practitioner_id == "pr-race")) == 1
