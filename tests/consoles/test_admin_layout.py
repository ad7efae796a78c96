"""The admin console on a narrow screen without the phone's zoom-out (a desktop browser narrowed, or a phone
that honours width=device-width strictly): its long selects (institution names) and wide tables stay inside the
screen; the tables scroll within their own focusable region."""
import pytest

from tests.consoles.admin_helpers import LANGUAGES, admin_page

pytestmark = [pytest.mark.live]


@pytest.mark.parametrize("locale", LANGUAGES)
def test_nothing_is_wider_than_a_narrow_screen(open_page, locale):
    from playwright.sync_api import expect

    def narrow(console, **options):
        return open_page(console, viewport={"width": 390, "height": 844}, **options)

    page = admin_page(narrow, locale)
    expect(page.locator("#inst-rows tr[data-code]").first).to_be_visible()
    expect(page.locator("#doctor-inst-filter option").nth(1)).to_be_attached()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 1
    for region in page.locator(".scroll").all():
        assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    assert page.errors == []
