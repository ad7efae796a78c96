"""One transaction per request: commit on success, roll back on any error, keep what must survive an error."""
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.extensions import db

_KEPT = "kept_on_error"


def keep_on_error(model, **values):
    """Add a row that is written even if the request fails (a failed login, a denied-access audit entry)."""
    row = model(**values)
    db.session.add(row)
    db.session.info.setdefault(_KEPT, []).append((model, values, row))
    return row


def _forget_kept(session):
    # Committed rows need no second write: a view may commit early (e.g. before a 422 it must record).
    session.info.pop(_KEPT, None)


def restore_kept():
    """Add again the rows kept on error after a rollback (of the transaction or a savepoint) dropped them;
    the caller commits. Returns whether there were any."""
    # A row that a savepoint's rollback did not drop (added before it) is still in the session: not twice.
    lost = [(model, values) for model, values, row in db.session.info.pop(_KEPT, None) or () if row not in db.session]
    db.session.add_all(model(**values) for model, values in lost)
    return bool(lost)


def finish_request(response):
    """after_request hook: commit when the response is a success, otherwise roll back."""
    if response.status_code < 400:
        db.session.commit()
        return response
    db.session.rollback()
    if restore_kept():
        db.session.commit()
    return response


def init_app(app):
    """Install the commit/rollback hook."""
    if not event.contains(Session, "after_commit", _forget_kept):
        event.listen(Session, "after_commit", _forget_kept)
    app.after_request(finish_request)
