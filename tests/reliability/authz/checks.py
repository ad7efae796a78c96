"""What every matrix case checks besides the status: no stranger's data in the answer, audited reads."""
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry

# The patients whose data each role must never see in any answer.
STRANGERS = {"anon": ("pa", "pb"), "pa": ("pb",), "pb": ("pa",), "d1": ("pb",), "d2": ("pa",), "p1": ("pb",),
             "p2": ("pa", "pb"), "rv": ("pb",), "admin": ()}
DENIED = {401, 403, 404}


def assert_no_stranger_data(world, role, body, sent=""):
    """No marker of a patient the role has no business with in `body` (except what the caller `sent`:
    an id in the URL may be echoed in a self link or an error message)."""
    for stranger in STRANGERS[role]:
        leaked = [m for m in world.markers[stranger] if m and m in body and m not in sent]
        assert not leaked, f"{role} got data of {stranger}: {leaked}"


def assert_audited(app, response):
    request_id = response.headers["X-Request-ID"]
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id)).all()
        assert any(e.outcome == "success" for e in entries), "a health-data read left no audit entry"
