"""The API docs page (core/docs.py), loaded in the session's headless Chromium, makes no request to any
other host. Swagger UI's validator badge would fetch https://validator.swagger.io for a spec served from
any name but localhost / 127.0.0.1 (validatorUrl is off), so the page is opened under another name,
whose requests the browser hands to the live server."""
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.live
SERVER_NAME = "cloud-hospital.test"


def test_the_docs_page_requests_nothing_from_another_host(browser, live_server):
    own = f"{SERVER_NAME}:{urlsplit(live_server.url).port}"
    elsewhere = []

    def serve_or_refuse(route):
        url = urlsplit(route.request.url)
        if url.netloc != own:  # recorded and refused: the test machine may have no internet
            elsewhere.append(route.request.url)
            return route.abort()
        query = f"?{url.query}" if url.query else ""
        return route.fulfill(response=route.fetch(url=f"{live_server.url}{url.path}{query}"))

    context = browser.new_context()
    try:
        page = context.new_page()
        page.route("**/*", serve_or_refuse)
        page.goto(f"http://{own}/api/v1/docs", wait_until="networkidle")
        page.wait_for_selector(".opblock-tag", timeout=15000)  # the tags are drawn (folded): the spec was loaded
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert elsewhere == []
