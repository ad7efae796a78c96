"""What every matrix case checks besides the status: no stranger's data in the answer, audited reads."""
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry

# The patients whose data each role must never see in any answer.
STRANGERS = {"anon": ("pa", "pb"), "pa": ("pb",), "pb": ("pa",), "d1": ("pb",), "d2": ("pa",), "p1": ("pb",),
             "p2": ("pa", "pb"), "rv": ("pb",), "admin": (),
             "n1": ("pb",),  # n1: the nurse of A's home visit
             "reg": ()}  # the regulator supervises every patient, through the feed and traces only
DENIED = {401, 403, 404}


def assert_no_stranger_data(world, role, body, sent=""):
    """No marker of a patient the role has no business with in `body` (except what the caller `sent`:
    an id in the URL may be echoed in a self link or an error message)."""
    for stranger in STRANGERS[role]:
        leaked = [m for m in world.markers[stranger] if m and m in body and m not in sent]
        assert not leaked, f"{role} got data of {stranger}: {leaked}"


def audit_entries(app, response):
    """The audit entries written for `response` (by its X-Request-ID)."""
    request_id = response.headers["X-Request-ID"]
    with app.app_context():
        return db.session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id)).all()


def assert_audited(app, response):
    entries = audit_entries(app, response)
    assert any(e.outcome == "success" for e in entries), "a health-data read left no audit entry"


def is_role_refusal(response, body):
    """A 403 from core.auth.require_role: the caller's role never reaches the object, nothing to audit."""
    return response.status_code == 403 and "Your role may not perform this action." in body


def assert_denied_audited(app, response):
    """A refused access to an existing object of another party left a 'denied' entry naming the object."""
    entries = [e for e in audit_entries(app, response) if e.outcome == "denied"]
    assert entries, "a refused access to another party's object left no denied audit entry"
    assert all(e.user_id and e.action and e.entity for e in entries), [(e.action, e.entity) for e in entries]
