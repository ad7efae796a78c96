"""One transaction per request: commit on success, roll back on any error, keep what must survive an error."""
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.extensions import db

_KEPT = "kept_on_error"


def keep_on_error(model, **values):
    """Add a row that is written even if the request fails (a failed login, a denied-access audit entry)."""
    row = model(**values)
    db.session.add(row)
    db.session.info.setdefault(_KEPT, []).append((model, values))
    return row


def _forget_kept(session):
    # Committed rows need no second write: a view may commit early (e.g. before a 422 it must record).
    session.info.pop(_KEPT, None)


def finish_request(response):
    """after_request hook: commit when the response is a success, otherwise roll back."""
    if response.status_code < 400:
        db.session.commit()
        return response
    db.session.rollback()
    kept = db.session.info.pop(_KEPT, None)
    if kept:
        db.session.add_all(model(**values) for model, values in kept)
        db.session.commit()
    return response


def init_app(app):
    """Install the commit/rollback hook."""
    if not event.contains(Session, "after_commit", _forget_kept):
        event.listen(Session, "after_commit", _forget_kept)
    app.after_request(finish_request)
