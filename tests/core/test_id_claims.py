"""The way back for a person whose identity number another account holds: registration files a claim,
the holder and the claimant are told by text message, an admin approves (the number moves, the holder is
deactivated) or rejects; audited; one decision per claim even when two admins decide at once."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry, User

RESIDENT_ID = "urn:oid:2.16.156.10011.1.5"


def _claimed(accounts):
    holder = accounts.register_patient(name="Holder Han")
    claimant = accounts.register_patient(name="Claimant Cao", id_number=holder["id_number"])
    return holder, claimant


def _messages(app, phone):
    return app.extensions["core.sms_gateway"].messages_to(phone)


def _resident_ids(client, admin, patient_id):
    patient = client.get(f"/fhir/Patient/{patient_id}", headers=admin).get_json()
    return [i["value"] for i in patient.get("identifier", []) if i["system"] == RESIDENT_ID]


def test_registering_with_a_taken_number_creates_the_account_without_it_and_files_a_claim(app, accounts, client):
    holder, claimant = _claimed(accounts)
    assert set(claimant) >= {"id", "role", "patient_id"}  # the same 201 as any registration
    with app.app_context():
        assert db.session.get(User, claimant["id"]).id_number is None
        assert db.session.get(User, holder["id"]).id_number == holder["id_number"]
    assert "claimed" in _messages(app, holder["phone"])[-1]
    assert "already registered to another account" in _messages(app, claimant["phone"])[-1]
    headers = accounts.login(claimant["phone"], claimant["password"])
    own = client.get("/api/v1/id-claims", headers=headers).get_json()["items"]
    assert len(own) == 1 and own[0]["status"] == "pending"
    assert "holder_id" not in own[0] and own[0]["id_number"] != holder["id_number"]  # masked, no other account
    assert own[0]["id_number"][-4:] == holder["id_number"][-4:]
    holder_headers = accounts.login(holder["phone"], holder["password"])
    assert client.get("/api/v1/id-claims", headers=holder_headers).get_json()["items"] == []


def test_an_approved_claim_moves_the_number_and_deactivates_the_holder(app, accounts, client):
    holder, claimant = _claimed(accounts)
    holder_headers = accounts.login(holder["phone"], holder["password"])
    _, admin = accounts.admin()
    claim = client.get("/api/v1/admin/id-claims?status=pending", headers=admin).get_json()["items"][0]
    assert claim["holder_id"] == holder["id"] and claim["claimant_id"] == claimant["id"]
    r = client.post(f"/api/v1/admin/id-claims/{claim['id']}/approve", json={"note": "ID card seen"}, headers=admin)
    assert r.status_code == 200 and r.get_json()["status"] == "approved"
    with app.app_context():
        assert db.session.get(User, claimant["id"]).id_number == holder["id_number"]
        moved_from = db.session.get(User, holder["id"])
        assert moved_from.id_number is None and not moved_from.is_active
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"file_id_claim", "approve_id_claim", "deactivate"} <= actions
    assert client.get("/api/v1/me", headers=holder_headers).status_code == 401  # its tokens are revoked
    assert _resident_ids(client, admin, claimant["patient_id"]) == [holder["id_number"]]
    assert _resident_ids(client, admin, holder["patient_id"]) == []
    assert "approved" in _messages(app, claimant["phone"])[-1]
    assert "deactivated" in _messages(app, holder["phone"])[-1]
    again = client.post(f"/api/v1/admin/id-claims/{claim['id']}/reject", json={}, headers=admin)
    assert again.status_code == 409 and again.get_json()["code"] == "claim_decided"


def test_a_rejected_claim_leaves_the_number_where_it_is(app, accounts, client):
    holder, claimant = _claimed(accounts)
    _, admin = accounts.admin()
    claim_id = client.get("/api/v1/admin/id-claims", headers=admin).get_json()["items"][0]["id"]
    r = client.post(f"/api/v1/admin/id-claims/{claim_id}/reject", json={"note": "Documents did not match."},
                    headers=admin)
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    with app.app_context():
        assert db.session.get(User, holder["id"]).id_number == holder["id_number"]
        assert db.session.get(User, holder["id"]).is_active
        assert db.session.get(User, claimant["id"]).id_number is None
        assert "reject_id_claim" in set(db.session.scalars(select(AuditEntry.action)))
    assert "Documents did not match." in _messages(app, claimant["phone"])[-1]
    assert client.post("/api/v1/admin/id-claims/nope/approve", json={}, headers=admin).status_code == 404


def test_an_approval_can_keep_the_holder_active(app, accounts, client):
    holder, _ = _claimed(accounts)
    _, admin = accounts.admin()
    claim_id = client.get("/api/v1/admin/id-claims", headers=admin).get_json()["items"][0]["id"]
    client.post(f"/api/v1/admin/id-claims/{claim_id}/approve", json={"deactivate_holder": False}, headers=admin)
    with app.app_context():
        assert db.session.get(User, holder["id"]).is_active


@pytest.mark.live
def test_two_admins_deciding_one_claim_at_once_make_one_decision(app, accounts, live_server):
    holder, claimant = _claimed(accounts)
    _, admin = accounts.admin()
    claim_id = accounts.client.get("/api/v1/admin/id-claims", headers=admin).get_json()["items"][0]["id"]
    barrier = threading.Barrier(4)

    def decide(verb):
        with requests.Session() as session:
            session.get(f"{live_server.url}/healthz")
            barrier.wait(timeout=60)
            return session.post(f"{live_server.url}/api/v1/admin/id-claims/{claim_id}/{verb}", json={},
                                headers=admin, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(decide, ["approve", "reject", "approve", "reject"]))
    assert sorted(statuses) == [200, 409, 409, 409], statuses
    with app.app_context():
        on_claimant = db.session.get(User, claimant["id"]).id_number
        on_holder = db.session.get(User, holder["id"]).id_number
    assert [on_claimant, on_holder].count(holder["id_number"]) == 1
