"""The whole journey through the consoles, shared by the browser test (tests/consoles/test_journey.py) and
the screenshot script (bench/screenshots.py): separate browser contexts, as separate people would use."""
import os
import re
import time
from datetime import timedelta

from sqlalchemy import select

from core import clock
from core.extensions import db
from core.types import new_id
from tests.demo_world import SHANGHAI

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 # A fake camera and microphone, allowed without a prompt: the video call can really connect.
                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
TIMEOUT_MS = 15000
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000"
                    "0500010d0a2db40000000049454e44ae426082")


class Consoles:
    """`consoles(name, **context_options)`: a new browser context (its own storage: another person) on
    /app/<name>, its page collecting uncaught script errors in `page.errors`; `close()` closes them all.
    With `server_clock`, each context's clock starts at the server's now (core.clock, see `tests.demo_world.ningbo_morning`)."""

    def __init__(self, browser, base_url, server_clock=False):
        self.browser, self.base_url, self.server_clock, self.contexts = browser, base_url, server_clock, []

    def __call__(self, console, **options):
        context = self.browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        if self.server_clock:
            context.clock.install(time=clock.now())  # and on from there in real time
        self.contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.goto(f"{self.base_url}/app/{console}")
        return page

    def close(self):
        for context in self.contexts:
            context.close()


def online_slot_soon(app, minutes=20):
    """An online slot of Dr Wang at the cloud hospital starting soon (check-in open) today, whatever the weekday
    (on the morning clock of `ningbo_morning`, "soon" is still today). It starts `minutes` from now or, when one of
    his demo slots starts then, the first minute after it no slot of his starts."""
    from clinic.directory import Doctor, Institution
    from clinic.scheduling import Slot

    starts = (clock.now() + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    with app.app_context():
        doctor_id = db.session.scalar(select(Doctor.id).where(Doctor.practitioner_id == "demo-practitioner-1"))
        institution_id = db.session.scalar(select(Institution.id).where(Institution.code == "NB-CLOUD"))
        while db.session.scalar(select(Slot.id).where(Slot.doctor_id == doctor_id, Slot.starts_at == starts)):
            starts += timedelta(minutes=1)  # one slot per doctor and start (overlapping his demo sessions is fine)
        ends = starts + timedelta(minutes=10)
        slot = Slot(id=new_id(), doctor_id=doctor_id, institution_id=institution_id, kind="online", session="evening",
                    local_date=(starts + SHANGHAI).date(), starts_at=starts, ends_at=ends,
                    capacity=1, booked=0, held=0, status="open", flagged=False)
        db.session.add(slot)
        db.session.commit()
        return slot.id


def pharmacy_open_all_day(app, pharmacy_id="demo-pharmacy-1"):
    """Pharmacist Li's pharmacy open round the clock, so that the journey's order is offered to it at any hour
    (the demo pharmacy closes at 22:00 Asia/Shanghai and routing skips a closed pharmacy)."""
    from sqlalchemy import delete

    from pharmacy.models import PharmacyHours

    with app.app_context():
        db.session.execute(delete(PharmacyHours).where(PharmacyHours.pharmacy_id == pharmacy_id))
        db.session.add_all(PharmacyHours(pharmacy_id=pharmacy_id, weekday=day, open_minute=0, close_minute=1440)
                           for day in range(7))
        db.session.commit()


def journey_world(app):
    """The demo world made independent of the wall clock: a slot starting soon, the pharmacy open now."""
    online_slot_soon(app)
    pharmacy_open_all_day(app)


def login(page, username, password):
    """Fill the console's login form and wait for the app to show."""
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")


def choose(page, select, text):
    """Select the option whose label contains `text` (a string or a pattern)."""
    page.select_option(select, page.locator(f"{select} option", has_text=text).first.get_attribute("value"))


def doctor_named(name):
    """A doctor option's label by the whole name: "Dr Wang", not "Dr Wang Liping" (labels are "name · title ...")."""
    return re.compile(rf"{re.escape(name)}( ·|$)")


def find_doctor(page, name, clinic=None):
    """Find a doctor in the patient app: by clinic, then by name; the first match is chosen."""
    if clinic:
        page.locator(f"#clinic-filter option[value={clinic}]").wait_for(state="attached")
        page.select_option("#clinic-filter", clinic)
    page.fill("#name-filter", name)
    choose(page, "#doctor-select", doctor_named(name))


def expect_text(page, selector, pattern):
    from playwright.sync_api import expect

    expect(page.locator(selector)).to_contain_text(re.compile(pattern))


def run_journey(open_page, shoot=lambda name, page: None):
    """Every console through the whole journey, asserting what each person sees; `shoot(name, page)` is
    called at the moments worth a screenshot. Returns the pages (patient, doctor, reviewer, pharmacy, admin)."""
    from playwright.sync_api import expect

    doctor = open_page("doctor")
    login(doctor, "doctor.wang", "doctor123")
    choose(doctor, "#room-select", "Hypertension")
    doctor.click("#open-room")
    expect(doctor.locator("#close-room")).to_be_enabled()

    patient = open_page("patient")
    login(patient, "13800000001", "patient123")
    patient.click("#sign-protocol")
    expect_text(patient, "#protocol-status", r"2\d{3}|签署|signed")
    # the triage form starts empty: the patient measures and types their own vitals
    expect(patient.locator("#triage-form input[name=systolic_bp]")).to_have_value("")
    for name, value in (("systolic_bp", "132"), ("diastolic_bp", "84"), ("heart_rate", "72"), ("temperature_c", "36.6"),
                        ("spo2", "98")):
        patient.fill(f"#triage-form input[name={name}]", value)
    patient.click("#triage-form button[type=submit]")
    expect(patient.locator("#triage-result [data-stable=true]")).to_be_visible()
    find_doctor(patient, "Dr Wang", clinic="hypertension")
    choose(patient, "#complaint-code", "I10")  # a condition of the patient's own record
    patient.click("#slot-form button[type=submit]")
    expect(patient.locator("#eligibility [data-allowed=true]")).to_be_visible()  # told before choosing a time
    patient.locator("#slot-list li button").first.click()
    booked = patient.locator("#appointment-list li[data-status=booked]")
    booked.locator("button[data-action=check-in]").click()
    expect(patient.locator("#appointment-list [data-position='1']")).to_be_visible()
    shoot("patient-queue", patient)

    doctor.click("#refresh-queue")
    expect(doctor.locator("#queue-rows tr[data-status=checked_in]")).to_have_count(1)
    # who is waiting: name, sex and age in the queue
    expect(doctor.locator("#queue-rows tr[data-status=checked_in] td").nth(2)).to_contain_text(
        re.compile(r"\d+ (years old|岁)"))
    doctor.click("#call-next")
    expect(doctor.locator("#consult")).to_be_visible()
    summary = doctor.locator("#patient-summary [data-summary=conditions]")
    expect(summary).to_contain_text(re.compile("hypertension|高血压", re.I))
    doctor.reload()  # the workstation resumes the consultation under way
    expect(doctor.locator("#consult")).to_be_visible()
    expect(summary).to_contain_text(re.compile("hypertension|高血压", re.I))

    join = patient.locator("#appointment-list button.primary")  # "Join the consultation", shown by `invited`
    expect(join).to_be_visible()
    patient.reload()  # the invitation survives a reload of the page
    join.click()
    expect(patient.locator("#consult")).to_be_visible()
    expect(doctor.locator("#consult-status")).not_to_be_empty()
    patient.fill("#chat-text", "头有点晕 dizzy since yesterday")
    patient.press("#chat-text", "Enter")
    expect(doctor.locator("#messages li.peer")).to_contain_text("dizzy since yesterday")
    doctor.fill("#chat-text", "Keep taking amlodipine")
    doctor.click("#chat-form button[type=submit]")
    expect(patient.locator("#messages li.peer")).to_contain_text("Keep taking amlodipine")
    patient.set_input_files("#attach-file", files=[{"name": "bp.png", "mimeType": "image/png", "buffer": PNG}])
    patient.click("#attach-form button[type=submit]")
    expect(doctor.locator("#messages li.peer button.link")).to_have_count(1)

    doctor.locator("#video-box summary").click()
    doctor.click("#video-start")
    expect(doctor.locator("body[data-video=connected]")).to_have_count(1, timeout=20000)
    expect(patient.locator("body[data-video=connected]")).to_have_count(1, timeout=20000)
    # Both asked the API for the deployment's ICE servers (none configured here: host candidates connect)
    for page in (doctor, patient):
        expect(page.locator("body")).to_have_attribute("data-ice-servers", "0")
    shoot("patient-consultation", patient)
    shoot("doctor-consultation", doctor)

    doctor.fill("#end-form textarea[name=note]", "BP controlled; continue amlodipine.")
    doctor.fill("#end-form input[name=systolic]", "132")
    doctor.click("#end-form button[type=submit]")
    expect(patient.locator("#consult-status")).to_contain_text(re.compile("ended|结束"))
    doctor.fill("#rx-search", "amlo")  # the catalogue comes from the API, searchable
    expect(doctor.locator("#rx-code option")).to_have_count(1)
    doctor.select_option("#rx-code", "C08CA01")
    doctor.click("#rx-form button[type=submit]")
    expect(doctor.locator("#rx-issued li[data-status=pending_review]")).to_have_count(1)

    reviewer = open_page("pharmacy")
    login(reviewer, "pharmacist.zhao", "review123")
    shoot("pharmacy-review", reviewer)
    reviewer.locator("#review-list li[data-prescription] button.primary").click()
    expect(reviewer.locator("#review-list li[data-prescription]")).to_have_count(0)
    expect(doctor.locator("#rx-issued li[data-status=approved]")).to_have_count(1)
    expect(doctor.locator("#rx-history li[data-status=approved]")).to_have_count(1)

    expect(patient.locator("#rx-list li[data-status=approved]")).to_have_count(1)
    patient.locator("#rx-list li[data-status=approved] button").first.click()  # pick up at a pharmacy
    expect(patient.locator("#rx-list [data-order-status=offered]")).to_have_count(1)

    pharmacy = open_page("pharmacy")
    login(pharmacy, "pharmacist.li", "pharma123")
    offered = pharmacy.locator("#order-list li[data-status=offered]")
    expect(offered.locator(".countdown")).to_contain_text(re.compile(r"\d+"))
    shoot("pharmacy-orders", pharmacy)
    offered.locator("button.primary").click()
    pharmacy.locator("#order-list li[data-status=accepted] button.primary").click()
    expect(pharmacy.locator("#order-list li[data-status=prepared]")).to_have_count(1)
    expect(patient.locator("#rx-list [data-order-status=prepared]")).to_have_count(1)
    shoot("patient-medicine", patient)

    patient.click("#tab-Encounter")
    encounters = patient.locator("#record-panel table[data-type=Encounter] tbody tr")
    # today's online consultation, besides the history (the demo's home visit may be there too, or not yet)
    expect(encounters.filter(has_text=re.compile(r"online \(virtual\)|线上问诊"))).to_have_count(1)
    assert encounters.count() >= 2
    patient.click("#tab-Observation")
    expect(patient.locator("#record-panel")).to_contain_text("132")
    shoot("patient-records", patient)

    admin = open_page("admin")
    login(admin, "admin", "admin12345")
    expect(admin.locator("#waiting-rows tr[data-key]")).to_have_count(1)
    expect(admin.locator("#waiting-rows")).to_contain_text("Ningbo Cloud Hospital")
    expect(admin.locator("#util-rows tr[data-room]")).to_contain_text("Hypertension cloud clinic")
    for checkpoint in ("book_online", "start_consultation", "prescribe"):
        expect(admin.locator("#risk-rows")).to_contain_text(checkpoint)
    shoot("admin", admin)
    return patient, doctor, reviewer, pharmacy, admin
