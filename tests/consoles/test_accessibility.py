"""Accessibility and the phone layout: axe-core (the engine browser extensions use, from npm) finds no serious
or critical WCAG 2.1 A/AA violation on any console, logged out and logged in, in English on a desktop and in
Chinese on a phone; and no page is wider than a phone's screen."""
import json
import os
from pathlib import Path

import pytest

from tests.consoles.journey import login

pytestmark = [pytest.mark.live]

AXE = Path(__file__).resolve().parents[2] / "consoles" / "node_modules" / "axe-core" / "axe.min.js"
ACCOUNTS = {"patient": ("13800000001", "patient123"), "doctor": ("doctor.wang", "doctor123"),
            "pharmacy": ("pharmacist.zhao", "review123"), "admin": ("admin", "admin12345")}
DESKTOP_EN = {"locale": "en-GB", "bypass_csp": True, "viewport": {"width": 1280, "height": 900}}
PHONE_ZH = {"locale": "zh-CN", "bypass_csp": True, "viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
            "is_mobile": True, "has_touch": True}
SERIOUS = ("serious", "critical")


def _serious_violations(page):
    if not AXE.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{AXE} is missing: run `make consoles` (required under CI=true)")
        pytest.skip("axe-core is not installed: run `make consoles` (needs npm)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})""")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in SERIOUS]


def _overflow(page):
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("view", [DESKTOP_EN, PHONE_ZH], ids=["desktop-en", "phone-zh"])
@pytest.mark.parametrize("console", ["", "patient", "doctor", "pharmacy", "admin"],
                         ids=["index", "patient", "doctor", "pharmacy", "admin"])  # "": /app/, the index
def test_no_serious_violation_and_nothing_wider_than_the_screen(open_page, console, view):
    page = open_page(console, **view)
    page.wait_for_load_state("networkidle")
    found = {"logged out": _serious_violations(page)}
    if console in ACCOUNTS:
        login(page, *ACCOUNTS[console])
        page.wait_for_load_state("networkidle")
        found["logged in"] = _serious_violations(page)
    assert {k: v for k, v in found.items() if v} == {}, json.dumps(found, indent=1, ensure_ascii=False)
    assert _overflow(page) <= 1, f"the page is {_overflow(page)} px wider than the screen"
    assert page.errors == []
