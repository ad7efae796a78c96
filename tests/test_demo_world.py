"""The demo's copy (tests/demo_world.py) puts back exactly the rows `seed demo` wrote, and only where it fits."""
from sqlalchemy import func, select

from core.extensions import db
from core.models import User
from tests import demo_world
from tests.conftest import _truncate_all


def _everything(app):
    with app.app_context(), db.engine.connect() as connection:
        return {table.name: sorted(map(repr, connection.execute(select(table)).all()))
                for table in db.metadata.sorted_tables}


def _must_not_load():
    raise AssertionError("the demo was loaded again instead of restored from its copy")


def test_the_copy_restores_every_row_the_load_wrote(app, monkeypatch):
    demo_world.ningbo_morning()
    demo_world.load_demo(app)  # a real load (or the copy of one made in this minute by another test)
    loaded = _everything(app)
    assert len(loaded["users"]) >= 8 and len(loaded["fhir_resources"]) > 1000
    _truncate_all(app)
    monkeypatch.setattr(demo_world.demo_seed, "load", _must_not_load)
    demo_world.load_demo(app)
    assert _everything(app) == loaded


def test_no_copy_is_taken_or_given_where_tables_are_not_empty(app, accounts, monkeypatch):
    demo_world.ningbo_morning()
    demo_world.load_demo(app)
    _truncate_all(app)
    someone = accounts.register_patient("Someone Else")  # not empty: the real load runs (it adds what is missing)
    real_loads = []
    original = demo_world.demo_seed.load
    monkeypatch.setattr(demo_world.demo_seed, "load", lambda: real_loads.append(1) or original())
    demo_world.load_demo(app)
    assert real_loads == [1]
    _truncate_all(app)
    demo_world.load_demo(app)  # the copy of the empty-table load, without Someone Else
    assert real_loads == [1]
    with app.app_context():
        assert db.session.get(User, someone["id"]) is None
        assert db.session.scalar(select(func.count()).select_from(User)) >= 8
