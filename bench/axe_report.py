"""The accessibility report of the consoles: `python -m bench.axe_report` (after `make install-dev consoles`).

Serves the demo like bench/screenshots.py and runs axe-core (npm, consoles/node_modules) in Debian's headless
Chromium on every console, logged out and logged in, in English on a desktop and in Chinese on a phone, with
the WCAG 2.1 A and AA rules; writes docs/ACCESSIBILITY.md: the rules that passed and every violation of any
impact (the browser test tests/consoles/test_accessibility.py fails on serious and critical ones).
"""
import argparse
import logging
import tempfile
from collections import Counter
from pathlib import Path

from bench.screenshots import DESKTOP, PHONE, ROOT, _app

AXE = ROOT / "consoles" / "node_modules" / "axe-core" / "axe.min.js"
ACCOUNTS = {"patient": ("13800000001", "patient123"), "doctor": ("doctor.wang", "doctor123"),
            "pharmacy": ("pharmacist.zhao", "review123"), "admin": ("admin", "admin12345")}
VIEWS = {"English, desktop": ("en-GB", DESKTOP), "Chinese, phone": ("zh-CN", PHONE)}
RUN = """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""


def _audit(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(RUN)
    return len(result["passes"]), [(v["id"], v["impact"], v["help"], len(v["nodes"])) for v in result["violations"]]


def _rows(consoles, login):
    for console in ("", "patient", "doctor", "pharmacy", "admin"):
        for view, (locale, size) in VIEWS.items():
            page = consoles(console, locale=locale, viewport=size, bypass_csp=True)
            page.wait_for_load_state("networkidle")
            yield console or "index", view, "logged out", *_audit(page)
            if console in ACCOUNTS:
                login(page, *ACCOUNTS[console])
                page.wait_for_load_state("networkidle")
                yield console, view, "logged in", *_audit(page)


def _write(out, rows, version):
    impacts = Counter(impact for *_, violations in rows for _, impact, _, _ in violations)
    lines = ["# Accessibility report of the consoles", "",
             f"axe-core {version}, WCAG 2.1 A and AA rules, in Debian's headless Chromium; written by "
             "`.venv/bin/python -m bench.axe_report`. Violations by impact: "
             + (", ".join(f"{k} {v}" for k, v in sorted(impacts.items())) or "none") + ".", "",
             "| console | view | state | rules passed | violations (rule, impact, elements) |", "|---|---|---|---|---|"]
    for console, view, state, passed, violations in rows:
        found = "; ".join(f"`{rule}` {impact} ({count}): {text}" for rule, impact, text, count in violations) or "none"
        lines.append(f"| {console} | {view} | {state} | {passed} | {found} |")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "ACCESSIBILITY.md"))
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    from tests.consoles.journey import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Consoles, login
    from tests.demo_world import ningbo_morning
    from tests.live import LiveServer

    expect.set_options(timeout=TIMEOUT_MS)
    with tempfile.TemporaryDirectory(prefix="axe-") as instance:
        ningbo_morning()
        server = LiveServer(_app(instance)).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                consoles = Consoles(browser, server.url, server_clock=True)
                rows = list(_rows(consoles, login))
                consoles.close()
                browser.close()
        finally:
            server.stop()
    _write(Path(args.out), rows, _axe_version())
    print(f"wrote {Path(args.out).relative_to(ROOT)}: {sum(len(r[-1]) for r in rows)} violations in {len(rows)} pages")


def _axe_version():
    import json

    return json.loads((AXE.parent / "package.json").read_text())["version"]


if __name__ == "__main__":
    main()
