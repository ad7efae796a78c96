"""The authorisation matrix shares one world per package: building it takes seconds, every case only reads
it (or is refused), so the suite's per-test emptying of the tables is replaced by one at the end."""
import pytest

from core import clock
from tests.conftest import _truncate_all
from tests.reliability.authz.world import build_world


@pytest.fixture(autouse=True)
def _isolate():
    """Overrides tests/conftest.py's: keep the shared world between cases (only the clock is reset)."""
    yield
    clock.set_clock(None)


@pytest.fixture(scope="package")
def world(app):
    built, client = build_world(app)
    built.client = client
    yield built
    _truncate_all(app)
