"""FHIR reads and type searches below Flask (records.fhir.fast_read): what it answers, it answers exactly as
Flask's path would (body, headers, audit entries); everything else it hands to Flask's path, which answers as
before, and what it started is never written twice."""
import pytest
from sqlalchemy import select

from core import auth as core_auth
from core.auth import SYSTEM
from core.extensions import db
from core.models import AuditEntry
from records import api
from records.fhir import fast_read, wire
from tests.records.fhir.conftest import auth, observation, system_write

IGNORED_HEADERS = {"X-Request-ID"}
AUDIT_FIELDS = ("user_id", "role", "action", "entity", "patient_ref", "outcome", "address", "detail")


def _count_view_calls(app, monkeypatch):
    """A list that grows by one each time Flask's FHIR view runs (it stays as it is for an answer given below Flask)."""
    view_calls, view = [], app.view_functions["fhir.handle_interaction"]

    def counted_view(*args, **kwargs):
        view_calls.append(1)
        return view(*args, **kwargs)

    monkeypatch.setitem(app.view_functions, "fhir.handle_interaction", counted_view)
    return view_calls


@pytest.fixture()
def paths(app, flask_path_client, monkeypatch):
    """(the whole app, Flask's path alone, calls of the FHIR view) for comparing the two paths."""
    return app.test_client(), flask_path_client, _count_view_calls(app, monkeypatch)


def _ok_json(response):
    assert response.status_code == 200
    return response.get_json()


def _entries(app, request_id):
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id)
                                  .order_by(AuditEntry.id)).all()
        return [tuple(getattr(row, name) for name in AUDIT_FIELDS) for row in rows]


def _warm(client, headers):
    """Use the token once: only tokens this process has already found live are taken below Flask."""
    if "Authorization" in headers:
        client.get("/api/v1/me", headers=headers)


def _answer(client, path, headers, request_id):
    response = client.get(path, headers={**headers, "X-Request-ID": request_id})
    kept = sorted((name, value) for name, value in response.headers.items() if name not in IGNORED_HEADERS)
    return response.status_code, kept, response.get_data(), response.headers.get("X-Request-ID")


def _both(app, paths, path, headers, name):
    """The answers and audit entries of the whole app and of Flask's path alone, and whether the view ran."""
    whole, flask_only, view_calls = paths
    before = len(view_calls)
    fast = _answer(whole, path, headers, f"whole-{name}")
    through_view = len(view_calls) > before
    slow = _answer(flask_only, path, headers, f"flask-{name}")
    assert slow[3] == f"flask-{name}" and fast[3] == f"whole-{name}"
    return fast[:3], slow[:3], _entries(app, f"whole-{name}"), _entries(app, f"flask-{name}"), through_view


@pytest.fixture()
def records(app, cast):
    obs = system_write(app, observation(cast.p1), observation(cast.p2))
    gone = system_write(app, {"resourceType": "Device", "status": "active"})[0]
    with app.app_context():
        api.delete(SYSTEM, "Device", gone["id"])
        db.session.commit()
    return obs[0]["id"], obs[1]["id"], gone["id"]


def test_reads_and_searches_are_answered_below_flask_exactly_as_flask_answers_them(app, cast, records, paths,
                                                                                   monkeypatch):
    obs1, obs2, _ = records
    monkeypatch.setitem(app.config, "CORS_ORIGINS", ["https://app.example.org"])
    serves = lambda actor, patient_id: actor.pharmacy_id == "pharmacy-1" and patient_id == cast.p1  # noqa: E731
    monkeypatch.setitem(core_auth._relationship_providers, "pharmacy_serves_patient", [serves])
    cases = {
        "admin-patient": (f"/fhir/Patient/{cast.p1}", cast.admin),
        "own-patient": (f"/fhir/Patient/{cast.p1}", cast.p1_headers),
        "own-observation": (f"/fhir/Observation/{obs1}", cast.p1_headers),
        "carer-observation": (f"/fhir/Observation/{obs1}", cast.doc_a),
        "family-doctor-patient": (f"/fhir/Patient/{cast.p2}", cast.doc_b),
        "pharmacist-minimised": (f"/fhir/Patient/{cast.p1}", cast.pharmacist),
        "practitioner": ("/fhir/Practitioner/pract-a", cast.p2_headers),
        "cors": (f"/fhir/Observation/{obs2}", {**cast.admin, "Origin": "https://app.example.org"}),
        "accept-json": (f"/fhir/Patient/{cast.p1}", {**cast.admin, "Accept": "application/fhir+json"}),
        "summary": (f"/fhir/Patient/{cast.p1}?_summary=true", cast.admin),
        "elements": (f"/fhir/Patient/{cast.p1}?_elements=name", cast.p1_headers),
        "pretty": (f"/fhir/Patient/{cast.p1}?_pretty=true&_format=json", cast.admin),
        "search-admin": ("/fhir/Patient?_count=1&_sort=_id", cast.admin),
        "search-own": (f"/fhir/Observation?subject=Patient/{cast.p1}&code=http://loinc.org|8867-4", cast.p1_headers),
        "search-carer-include": (f"/fhir/Observation?subject=Patient/{cast.p1}&_include=Observation:subject",
                                 cast.doc_a),
        "search-scoped": ("/fhir/Observation", cast.doc_b),
        "search-chain": ("/fhir/Observation?subject:Patient.name=%E5%BC%A0%E4%BC%9F", cast.admin),
        "search-lenient": ("/fhir/Patient?no-such-parameter=1", cast.admin),
        "search-total": ("/fhir/Observation?_summary=count", cast.p2_headers),
        "search-proxy-ish": ("/fhir/Patient?_count=1", {**cast.admin, "Host": "fhir.example.org:8443"}),
    }
    for name, (path, headers) in cases.items():
        _warm(paths[0], headers)
        fast, slow, fast_audit, slow_audit, through_view = _both(app, paths, path, headers, name)
        assert not through_view, f"{name}: Flask's view answered"
        assert fast[0] == 200, (name, fast)
        assert fast == slow, name
        assert fast_audit == slow_audit and len(fast_audit) == 1 and fast_audit[0][5] == "success", name
    pharmacist_view = _ok_json(paths[0].get(f"/fhir/Patient/{cast.p1}", headers=cast.pharmacist))
    assert any(tag.get("code") == "SUBSETTED" for tag in pharmacist_view["meta"]["tag"]), "the view is minimised"
    cors = paths[0].get(f"/fhir/Observation/{obs2}", headers={**cast.admin, "Origin": "https://app.example.org"})
    assert cors.headers["Access-Control-Allow-Origin"] == "https://app.example.org"
    plain = paths[0].get(f"/fhir/Observation/{obs2}", headers=cast.admin)
    assert plain.headers["Cache-Control"] == "no-store" and plain.headers["ETag"] == 'W/"1"'
    assert plain.headers["Content-Type"] == "application/fhir+json"
    assert plain.headers["X-Request-ID"]


def test_what_is_not_a_plain_success_flask_answers_and_audits_once(app, cast, records, paths, accounts):
    obs1, _, gone = records
    _, revoked = accounts.admin("revoked-admin")
    assert paths[0].post("/api/v1/auth/logout", headers=revoked).status_code == 204
    cases = {
        "no-token": (f"/fhir/Patient/{cast.p1}", {}, 401),
        "bad-token": (f"/fhir/Patient/{cast.p1}", {"Authorization": "Bearer not-a-token"}, 401),
        "revoked-token": (f"/fhir/Patient/{cast.p1}", revoked, 401),
        "denied": (f"/fhir/Observation/{obs1}", cast.doc_b, 403),
        "other-patient": (f"/fhir/Patient/{cast.p1}", cast.p2_headers, 403),
        "unknown": ("/fhir/Patient/no-such-patient", cast.admin, 404),
        "deleted": (f"/fhir/Device/{gone}", cast.admin, 410),
        "unsupported-type": ("/fhir/Spaceship/x1", cast.admin, 404),
        "xml": (f"/fhir/Patient/{cast.p1}", {**cast.admin, "Accept": "application/fhir+xml"}, 406),
        "xml-format": (f"/fhir/Patient?_format=xml", cast.admin, 406),
        "audit-event": ("/fhir/AuditEvent/0", cast.admin, 404),
        "history": (f"/fhir/Patient/{cast.p1}/_history/1", cast.admin, 200),
        "everything": (f"/fhir/Patient/{cast.p1}/$everything", cast.admin, 200),
        "nul": ("/fhir/Patient?family=a%00b", cast.admin, 400),
        "strict": ("/fhir/Patient?no-such-parameter=1", {**cast.admin, "Prefer": "handling=strict"}, 400),
        "bad-count": ("/fhir/Patient?_count=many", cast.admin, 400),
        "search-denied": ("/fhir/Observation", cast.pharmacist, 403),
        "unsupported-search": ("/fhir/Spaceship?name=x", cast.admin, 404),
    }
    for name, (path, headers, status) in cases.items():
        _warm(paths[0], headers)
        fast, slow, fast_audit, slow_audit, through_view = _both(app, paths, path, headers, name)
        assert through_view or status in (400, 401, 406), f"{name}: answered below Flask"
        assert fast[0] == status, (name, fast)
        assert fast == slow, name
        assert fast_audit == slow_audit, name
    denied = _entries(app, "whole-denied")
    assert [entry[5] for entry in denied] == ["denied"], "one denied entry, Flask's"
    head = paths[0].head(f"/fhir/Patient/{cast.p1}", headers=cast.admin)
    assert head.status_code == 200 and head.get_data() == b""


def test_a_plain_read_that_fails_after_its_read_is_answered_by_flask_and_audited_once(app, cast, paths,
                                                                                       monkeypatch):
    real, failures = wire.version_headers, []

    def fails_once(resource):
        if not failures:
            failures.append(1)
            raise RuntimeError("headers failed after the read")
        return real(resource)

    _warm(paths[0], cast.admin)
    monkeypatch.setattr(wire, "version_headers", fails_once)
    r = paths[0].get(f"/fhir/Patient/{cast.p1}", headers={**cast.admin, "X-Request-ID": "fails-after-read"})
    assert r.status_code == 200 and r.get_json()["id"] == cast.p1
    assert failures and paths[2], "the plain read failed, then Flask's view answered"
    assert [entry[5] for entry in _entries(app, "fails-after-read")] == ["success"]


def test_a_token_seen_for_the_first_time_is_checked_by_flask_path_then_below_it(cast, paths):
    whole, _, view_calls = paths
    for expected_view_calls in (1, 1):
        assert whole.get(f"/fhir/Patient/{cast.p2}", headers=cast.p2_headers).status_code == 200
        assert len(view_calls) == expected_view_calls


def test_the_plain_read_is_not_installed_when_switched_off():
    class App:
        config = {"FHIR_FAST_READ": False}
        extensions = {}
        wsgi_app = object()

    inner = App.wsgi_app
    fast_read.install(App)
    assert App.wsgi_app is inner and "fhir_fast_read" not in App.extensions
    App.config = {"FHIR_FAST_READ": True}
    fast_read.install(App)
    assert isinstance(App.wsgi_app, fast_read.FastRead) and App.wsgi_app.wsgi_app is inner


def test_a_client_write_then_plain_read_sees_its_own_write(app, cast, paths):
    r = paths[0].post("/fhir/Observation", json=observation(cast.p1, value=99), headers=auth(cast.admin))
    assert r.status_code == 201
    read = paths[0].get(f"/fhir/Observation/{r.get_json()['id']}", headers=cast.admin)
    assert read.status_code == 200 and read.get_json()["valueQuantity"]["value"] == 99
    assert read.headers["ETag"] == r.headers["ETag"]




def test_behind_a_proxy_the_answers_below_flask_take_the_forwarded_address_scheme_and_host(app, cast, monkeypatch):
    """FastRead sits inside ProxyFix (cloud_hospital.app): it sees the client's address, https and the public host."""
    from cloud_hospital.app import create_app

    same = ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "REDIS_URL", "CLINIC_FHIR_VIEW_DRAINER", "SMS_GATEWAY")
    proxied = create_app({**{key: app.config[key] for key in same}, "TRUST_PROXY_HOPS": 1})
    client = proxied.test_client()
    forwarded = {**cast.admin, "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
                 "X-Forwarded-Host": "h.example", "X-Request-ID": "proxied-search"}
    _warm(client, cast.admin)
    view_calls = _count_view_calls(proxied, monkeypatch)
    r = client.get("/fhir/Patient?_count=1", headers=forwarded)
    assert r.status_code == 200 and not view_calls, "answered below Flask"
    assert r.get_json()["link"][0]["url"].startswith("https://h.example/fhir/Patient?")
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert [entry[6] for entry in _entries(app, "proxied-search")] == ["203.0.113.7"]
    with proxied.app_context():
        db.engine.dispose()
