"""Screenshots of every console for the README: `python -m bench.screenshots` (after `make install-dev consoles`).

Serves the app on a loopback port with a fresh SQLite database and the demo data, runs the whole browser
journey of tests/consoles/journey.py in Debian's headless Chromium, and saves phone-sized (390x844) and
desktop (1280x900) pictures to docs/screenshots/. Chinese text needs a CJK font in the machine's fontconfig
(Debian: `apt-get install -y fonts-wqy-zenhei`), or it shows as boxes; the tests do not need one.
"""
import argparse
import logging
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# name -> (element to picture or None for the full page, sizes)
SHOTS = {
    "patient-queue": (None, ("phone", "desktop")),
    "patient-consultation": ("#consult", ("phone",)),
    "doctor-consultation": (None, ("desktop",)),
    "pharmacy-review": (None, ("desktop",)),
    "pharmacy-orders": (None, ("desktop", "phone")),
    "patient-medicine": ("#prescriptions", ("phone",)),
    "patient-records": ("#records", ("phone",)),
    "admin": (None, ("desktop", "phone")),
}


def _app(instance):
    from flask_migrate import upgrade

    from cloud_hospital.app import create_app
    from core.extensions import db
    from seeds import demo

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/screens.sqlite3", "REDIS_URL": None,
                      "SECRET_KEY": "screenshots-only-secret-key-0123456789abcdef", "SCHEDULER_AUTOSTART": False,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024})
    with app.app_context():
        upgrade()
        demo.load()
        db.session.commit()
    return app


def _shooter(out, suffix):
    def shoot(name, page):
        selector, sizes = SHOTS[name]
        before = page.viewport_size
        for size in sizes:
            page.set_viewport_size(PHONE if size == "phone" else DESKTOP)
            page.wait_for_timeout(150)  # let the layout settle
            path = out / f"{name}-{size}{suffix}.png"
            if selector:
                page.locator(selector).screenshot(path=path)
            else:
                page.screenshot(path=path, full_page=True)
            print(f"wrote {path.relative_to(ROOT)}")
        page.set_viewport_size(before)
    return shoot


def main():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--lang", choices=("en", "zh"), default="en",
                        help="language of the pictures (zh: file names end in -zh)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import expect, sync_playwright

    from tests.consoles.journey import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Consoles, journey_world, run_journey
    from tests.demo_world import ningbo_morning

    expect.set_options(timeout=TIMEOUT_MS)
    from tests.live import LiveServer

    with tempfile.TemporaryDirectory(prefix="screens-") as instance:
        ningbo_morning()  # the same pictures at any hour
        app = _app(instance)
        journey_world(app)
        server = LiveServer(app).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                locale = "zh-CN" if args.lang == "zh" else "en-GB"
                consoles = Consoles(browser, server.url, server_clock=True)
                opener = lambda console: consoles(console, locale=locale,  # noqa: E731
                                                  viewport=PHONE if console == "patient" else DESKTOP)
                suffix = "-zh" if args.lang == "zh" else ""
                run_journey(opener, shoot=_shooter(out, suffix))
                index = consoles("", locale=locale, viewport=DESKTOP)
                index.screenshot(path=out / f"index-desktop{suffix}.png", full_page=True)
                print(f"wrote {(out / f'index-desktop{suffix}.png').relative_to(ROOT)}")
                consoles.close()
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
