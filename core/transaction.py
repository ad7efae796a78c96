"""One transaction per request: commit on success, roll back on any error, keep what must survive an error."""
from flask import g, has_request_context

from core.extensions import db


def keep_on_error(model, **values):
    """Add a row that is written even if the request fails (a failed login, a denied-access audit entry)."""
    row = model(**values)
    db.session.add(row)
    if has_request_context():
        g.setdefault("kept_on_error", []).append((model, values))
    return row


def finish_request(response):
    """after_request hook: commit when the response is a success, otherwise roll back."""
    if response.status_code < 400:
        db.session.commit()
        return response
    db.session.rollback()
    kept = g.pop("kept_on_error", None)
    if kept:
        db.session.add_all(model(**values) for model, values in kept)
        db.session.commit()
    return response


def init_app(app):
    """Install the commit/rollback hook."""
    app.after_request(finish_request)
