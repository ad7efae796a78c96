"""Browser fixtures: Debian's headless Chromium driven by Playwright, against the session app served
over real HTTP with the demo data loaded. They skip with the reason when Chromium, Playwright or the
built Socket.IO client is missing, except under CI=true, where that is a failure."""
import os
from pathlib import Path

import pytest

from consoles.views import SOCKET_IO_FILE, VENDOR
from tests.consoles.journey import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Consoles
from tests.demo_world import load_demo, ningbo_morning


def _missing(reason):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not Path(CHROMIUM).is_file():
        _missing(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    if not (VENDOR / SOCKET_IO_FILE).is_file():
        _missing("the Socket.IO client is not built: run `make consoles` (needs npm)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed: pip install -e '.[dev]'")
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)  # a loaded machine (CI runs two engines) may need more than 5 s
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def demo(app, live_server):
    """The live server with `flask seed demo` loaded (tables are emptied after each test), the world and
    the server on the clock of a Ningbo morning."""
    ningbo_morning()
    load_demo(app)
    return live_server


@pytest.fixture()
def open_page(browser, demo):
    """open_page(console, **context_options): a new browser context (another person) on /app/<console>,
    its clock on the server's."""
    consoles = Consoles(browser, demo.url, server_clock=True)
    yield consoles
    consoles.close()
