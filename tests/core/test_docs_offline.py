"""The API docs page, loaded in headless Chromium from the live server, makes no request to any other
host. Swagger UI's validator badge would fetch https://validator.swagger.io for a spec served from any
name but localhost / 127.0.0.1 (validatorUrl is off): the browser reaches the server by another name."""
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.consoles.journey import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.live
SERVER_NAME = "cloud-hospital.test"  # resolved to the loopback live server by Chromium itself


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing (required under CI=true)")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            *CHROMIUM_ARGS, f"--host-resolver-rules=MAP {SERVER_NAME} 127.0.0.1"])
        yield browser
        browser.close()


def test_the_docs_page_requests_nothing_from_another_host(chromium, live_server):
    own = f"{SERVER_NAME}:{urlsplit(live_server.url).port}"
    elsewhere = []
    context = chromium.new_context()
    try:
        page = context.new_page()

        def keep_local(route):
            # Record and refuse anything off this server: the test machine may have no internet.
            if urlsplit(route.request.url).netloc != own:
                elsewhere.append(route.request.url)
                return route.abort()
            return route.continue_()

        page.route("**/*", keep_local)
        page.goto(f"http://{own}/api/v1/docs", wait_until="networkidle")
        page.wait_for_selector(".opblock", timeout=15000)  # the operations are drawn: the spec was loaded
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert elsewhere == []
