"""Browser fixtures: Debian's headless Chromium driven by Playwright, against the session app served
over real HTTP with the demo data loaded. They skip with the reason when Chromium, Playwright or the
built Socket.IO client is missing, except under CI=true, where that is a failure."""
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from consoles.views import SOCKET_IO_FILE, VENDOR
from core import clock
from core.extensions import db
from core.types import new_id

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 # A fake camera and microphone, allowed without a prompt: the video call can really connect.
                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
TIMEOUT_MS = 15000


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
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def demo(app, live_server):
    """The live server with `flask seed demo` loaded (tables are emptied after each test)."""
    from seeds import demo as demo_seed

    with app.app_context():
        demo_seed.load()
        db.session.commit()
    return live_server


@pytest.fixture()
def open_page(browser, demo):
    """open_page(console, **context_options): a new browser context (own storage) on /app/<console>."""
    contexts = []

    def open_console(console, **options):
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.goto(f"{demo.url}/app/{console}")
        return page

    yield open_console
    for context in contexts:
        context.close()


def login(page, username, password):
    """Fill the console's login form and wait for the app to show."""
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")


def online_slot_soon(app, minutes=20):
    """An online slot of Dr Wang at the cloud hospital starting soon (check-in open), whatever the weekday."""
    from clinic.models import Doctor, Institution, Slot

    starts = clock.now().replace(second=0, microsecond=0) + timedelta(minutes=minutes)
    with app.app_context():
        doctor_id = db.session.scalar(select(Doctor.id).where(Doctor.practitioner_id == "demo-practitioner-1"))
        institution_id = db.session.scalar(select(Institution.id).where(Institution.code == "NB-CLOUD"))
        slot = Slot(id=new_id(), doctor_id=doctor_id, institution_id=institution_id, kind="online", session="evening",
                    local_date=(starts + timedelta(hours=8)).date(), starts_at=starts,
                    ends_at=starts + timedelta(minutes=10), capacity=1, booked=0, held=0, status="open", flagged=False)
        db.session.add(slot)
        db.session.commit()
        return slot.id
