"""Which database errors become a 503 (retry later) and which stay a 500 (a bug): fast, on every engine,
with an app whose database is a closed port."""
import sqlite3

import psycopg
from sqlalchemy import exc as sa_exc

from core.errors import database_unavailable

DEAD = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"


def test_an_unreachable_database_answers_503_on_each_surface(make_app):
    broken = make_app(SQLALCHEMY_DATABASE_URI=DEAD).test_client()
    auth = {"Authorization": "Bearer some-token"}
    api = broken.get("/api/v1/me", headers=auth)
    assert api.status_code == 503 and api.mimetype == "application/problem+json"
    assert api.get_json()["code"] == "database_unavailable" and api.headers["Retry-After"]
    fhir = broken.get("/fhir/Patient", headers=auth)
    assert fhir.status_code == 503 and fhir.get_json()["issue"][0]["code"] == "transient"


def test_only_unavailability_is_classified_as_such():
    def wrapped(orig, cls=sa_exc.OperationalError):
        return cls("SELECT 1", {}, orig)

    assert database_unavailable(wrapped(psycopg.OperationalError("connection refused")))
    assert database_unavailable(wrapped(sqlite3.OperationalError("database is locked")))
    assert database_unavailable(sa_exc.TimeoutError("QueuePool limit reached"))
    assert not database_unavailable(wrapped(sqlite3.OperationalError("no such table: users")))
    assert not database_unavailable(wrapped(psycopg.IntegrityError("duplicate key"), sa_exc.IntegrityError))
    assert not database_unavailable(ValueError("not a database error"))
    assert not database_unavailable(None)


def test_a_pool_timeout_answers_503_not_500(make_app):
    """Pool exhaustion (no pooled connection came free in time) is an overload: 503 with Retry-After."""
    app = make_app()

    @app.get("/api/v1/probe-pool-timeout")
    def probe():
        raise sa_exc.TimeoutError("QueuePool limit of size 10 overflow 20 reached, connection timed out")

    r = app.test_client().get("/api/v1/probe-pool-timeout")
    assert r.status_code == 503 and r.get_json()["code"] == "database_unavailable" and r.headers["Retry-After"]
