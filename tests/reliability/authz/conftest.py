"""Each matrix module shares one world: building it takes two seconds, its cases read it, are refused, or
(last) make allowed changes, so the suite's per-test emptying of the tables is done once per module."""
import pytest

from core import clock
from tests.conftest import Accounts, _truncate_all
from tests.reliability.authz.world import build_world


@pytest.fixture(autouse=True)
def _isolate():
    """Overrides tests/conftest.py's: keep the shared world between cases (only the clock is reset)."""
    yield
    clock.set_clock(None)


@pytest.fixture(scope="module")
def world(app):
    built = build_world(app)
    yield built
    _truncate_all(app)


@pytest.fixture()
def accounts_for_world(app, world):
    """Log in (and register) through the world's client."""
    return Accounts(app, world.client)
