"""Store tests run inside an app context; each test's session is rolled back (nothing is committed)."""
import pytest

from core.extensions import db


@pytest.fixture()
def ctx(app):
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
