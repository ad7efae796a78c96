"""Bearer tokens are looked up in the database once per process (core.token_cache); a token revoked or
an account deactivated anywhere stops working here once the revocation watch has refreshed (at most
TOKEN_REVOCATION_POLL_SECONDS later). Across real server processes: tests/core/test_token_processes.py."""
from datetime import timedelta

import pytest
from sqlalchemy import event, update

from core import clock, token_cache
from core.auth import _digest
from core.extensions import db
from core.models import AccessToken, User


@pytest.fixture()
def token_queries(app):
    """The statements that read access_tokens by digest (the per-request lookup), as they run."""
    seen = []

    def listen(conn, cursor, statement, params, context, many):
        if "access_tokens.token_hash = " in statement:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    yield seen
    event.remove(engine, "before_cursor_execute", listen)


def _token(headers):
    return headers["Authorization"].split(" ", 1)[1]


def _revoke_elsewhere(app, **where):
    """Revoke tokens straight in the database, as another server process would: this one is not told."""
    with app.app_context():
        db.session.execute(update(AccessToken).where(*[getattr(AccessToken, k) == v for k, v in where.items()])
                           .values(revoked_at=clock.now()))
        db.session.commit()


def test_a_token_is_looked_up_once_then_kept(accounts, client, token_queries):
    _, headers = accounts.patient()
    for _ in range(3):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert len(token_queries) == 1


def test_a_logout_stops_the_token_in_this_process_at_once(app, accounts, client, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_POLL_SECONDS", 3600)  # the watch would not notice
    _, headers = accounts.patient()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_revocation_by_another_process_stops_the_token_when_the_watch_refreshes(app, accounts, client,
                                                                                 monkeypatch):
    _, headers = accounts.patient()
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # kept
    _revoke_elsewhere(app, token_hash=_digest(_token(headers)))
    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_POLL_SECONDS", 0)  # the watch is due: it refreshes
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    with app.app_context():
        assert token_cache.cache_for(str(db.engine.url)).get(_digest(_token(headers))) is None


def test_until_the_watch_refreshes_a_kept_token_is_trusted(app, accounts, client, monkeypatch):
    """The bound of the design, stated: a revocation made elsewhere is seen at the watch's next refresh."""
    _, headers = accounts.patient()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with app.app_context():
        from core import revocations
        revocations.is_revoked("warm-up", 0)  # a refresh now; the next one is an hour away
    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_POLL_SECONDS", 3600)
    _revoke_elsewhere(app, token_hash=_digest(_token(headers)))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_POLL_SECONDS", 0)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_deactivated_account_stops_in_this_process_at_once(app, accounts, client, monkeypatch):
    _, admin = accounts.admin()
    account, headers = accounts.patient()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    r = client.patch(f"/api/v1/admin/users/{account['id']}", json={"is_active": False}, headers=admin)
    assert r.status_code == 200, r.get_json()
    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_POLL_SECONDS", 3600)
    assert client.get("/api/v1/me", headers=headers).status_code == 401  # this process forgot its tokens


def test_a_deactivation_reaches_a_process_that_kept_the_token_through_the_watch(app, accounts, client, monkeypatch):
    from core import accounts as core_accounts
    from core.auth import actor_for

    account, headers = accounts.patient()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    admin_id, _ = accounts.admin()
    with app.app_context():
        admin = actor_for(db.session.get(User, admin_id))
        digest = _digest(_token(headers))
        cache = token_cache.cache_for(str(db.engine.url))
        kept = cache.get(digest)
        core_accounts.set_active(admin, account["id"], False)
        db.session.commit()
        cache.put(digest, *kept)  # as if set_active had run in another process
    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_POLL_SECONDS", 0)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_an_expired_kept_token_is_refused(accounts, client):
    _, headers = accounts.patient()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    later = clock.now() + timedelta(hours=8, seconds=1)
    clock.set_clock(lambda: later)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_unknown_tokens_are_not_kept(app, client, token_queries):
    for _ in range(2):
        assert client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-real-token"}).status_code == 401
    assert len(token_queries) == 2


def test_the_cache_drops_the_least_recently_used_token_first():
    cache = token_cache.TokenCache(size=2)
    for digest in ("a", "b"):
        cache.put(digest, object(), None)
    cache.get("a")
    cache.put("c", object(), None)
    assert cache.get("b") is None and cache.get("a") and cache.get("c") and len(cache) == 2
