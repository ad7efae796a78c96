"""The whole journey in headless Chromium, in separate browser contexts as separate people would:
the patient books and queues, the doctor calls them in, both chat in real time (each sees the other's
message), a video call connects, the doctor diagnoses, ends and prescribes, the reviewing pharmacist
approves, the patient asks for pickup, the pharmacy accepts and prepares, and the patient sees it live;
then the admin reports show the wait, the room's busy time and the risk decisions."""
import re

import pytest

from tests.consoles.conftest import login, online_slot_soon

pytestmark = [pytest.mark.live, pytest.mark.slow]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000"
                    "0500010d0a2db40000000049454e44ae426082")


def expect_text(page, selector, pattern):
    from playwright.sync_api import expect

    expect(page.locator(selector)).to_contain_text(re.compile(pattern))


def choose(page, select, text):
    """Select the option whose label contains `text`."""
    page.select_option(select, page.locator(f"{select} option", has_text=text).first.get_attribute("value"))


def test_patient_doctor_pharmacy_journey(app, open_page):
    from playwright.sync_api import expect

    online_slot_soon(app)
    doctor = open_page("doctor")
    login(doctor, "doctor.wang", "doctor123")
    choose(doctor, "#room-select", "Hypertension")
    doctor.click("#open-room")
    expect(doctor.locator("#close-room")).to_be_enabled()

    patient = open_page("patient")
    login(patient, "13800000001", "patient123")
    patient.click("#sign-protocol")
    expect_text(patient, "#protocol-status", r"2\d{3}|签署|signed")
    patient.click("#triage-form button[type=submit]")
    expect(patient.locator("#triage-result [data-stable=true]")).to_be_visible()
    choose(patient, "#doctor-select", "Wang")
    patient.click("#slot-form button[type=submit]")
    patient.locator("#slot-list li button").first.click()
    booked = patient.locator("#appointment-list li[data-status=booked]")
    booked.locator("button").click()
    expect(patient.locator("#appointment-list [data-position='1']")).to_be_visible()

    doctor.click("#refresh-queue")
    expect(doctor.locator("#queue-rows tr[data-status=checked_in]")).to_have_count(1)
    doctor.click("#call-next")
    expect(doctor.locator("#consult")).to_be_visible()

    patient.locator("#appointment-list button.primary").click()  # "Join the consultation", shown by `invited`
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

    doctor.fill("#end-form textarea[name=note]", "BP controlled; continue amlodipine.")
    doctor.fill("#end-form input[name=systolic]", "132")
    doctor.click("#end-form button[type=submit]")
    expect(patient.locator("#consult-status")).to_contain_text(re.compile("ended|结束"))
    doctor.select_option("#rx-code", "C08CA01")
    doctor.click("#rx-form button[type=submit]")
    expect(doctor.locator("#rx-issued li[data-status=pending_review]")).to_have_count(1)

    reviewer = open_page("pharmacy")
    login(reviewer, "pharmacist.zhao", "review123")
    reviewer.locator("#review-list li[data-prescription] button.primary").click()
    expect(reviewer.locator("#review-list li[data-prescription]")).to_have_count(0)
    expect(doctor.locator("#rx-issued li[data-status=approved]")).to_have_count(1)

    expect(patient.locator("#rx-list li[data-status=approved]")).to_have_count(1)
    patient.locator("#rx-list li[data-status=approved] button").first.click()  # pick up at a pharmacy
    expect(patient.locator("#rx-list [data-order-status=offered]")).to_have_count(1)

    pharmacy = open_page("pharmacy")
    login(pharmacy, "pharmacist.li", "pharma123")
    offered = pharmacy.locator("#order-list li[data-status=offered]")
    expect(offered.locator(".countdown")).to_contain_text(re.compile(r"\d+"))
    offered.locator("button.primary").click()
    pharmacy.locator("#order-list li[data-status=accepted] button.primary").click()
    expect(pharmacy.locator("#order-list li[data-status=prepared]")).to_have_count(1)
    expect(patient.locator("#rx-list [data-order-status=prepared]")).to_have_count(1)

    patient.click("#tab-Encounter")
    expect(patient.locator("#record-panel table[data-type=Encounter] tbody tr")).to_have_count(2)  # history + today
    patient.click("#tab-Observation")
    expect(patient.locator("#record-panel")).to_contain_text("132")

    admin = open_page("admin")
    login(admin, "admin", "admin12345")
    expect(admin.locator("#waiting-rows tr[data-key]")).to_have_count(1)
    expect(admin.locator("#waiting-rows")).to_contain_text("Ningbo Cloud Hospital")
    expect(admin.locator("#util-rows tr[data-room]")).to_contain_text("Hypertension cloud clinic")
    for checkpoint in ("book_online", "start_consultation", "prescribe"):
        expect(admin.locator("#risk-rows")).to_contain_text(checkpoint)
    for page in (patient, doctor, reviewer, pharmacy, admin):
        assert page.errors == []
