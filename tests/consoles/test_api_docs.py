"""The API docs page in a real browser: Swagger UI (a current 5.x, from npm) renders every operation of the
OpenAPI document with its operationId, and the page asks no other host for anything (no validator badge,
no fonts or scripts from a CDN): every request the browser makes stays on the service's origin."""
import os

import pytest
import requests

from core.docs import ASSETS, BUNDLE
from tests.consoles.journey import TIMEOUT_MS

pytestmark = [pytest.mark.live]


def test_the_docs_page_renders_the_contract_from_this_origin_only(browser, live_server):
    from playwright.sync_api import expect

    if not (ASSETS / BUNDLE).is_file():
        missing = "Swagger UI is not built: run `make consoles` (needs npm)"
        pytest.fail(f"{missing} (required under CI=true)") if os.environ.get("CI") == "true" else pytest.skip(missing)
    document = requests.get(f"{live_server.url}/api/v1/openapi.json", timeout=30).json()
    tag_count = len({operation["tags"][0] for item in document["paths"].values() for operation in item.values()
                     if isinstance(operation, dict) and operation.get("tags")})
    assert tag_count >= 25
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    requested, problems = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    try:
        page.goto(f"{live_server.url}/api/v1/docs")
        # every tag of the contract is listed (folded); opening one shows its operations
        expect(page.locator(".opblock-tag")).to_have_count(tag_count)
        page.locator(".opblock-tag[data-tag=appointments]").click()
        expect(page.locator(".opblock-summary-operation-id", has_text="bookAppointment")).to_be_visible()
        assert page.evaluate("window.versions && window.versions.swaggerUI.version").startswith("5.")
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert requested and all(url.startswith(live_server.url + "/") for url in requested), requested
    assert f"{live_server.url}/api/v1/openapi.json" in requested
    assert problems == []
