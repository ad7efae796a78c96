"""Smaller browser checks: the language switch, problem details shown to a person (wrong password, a
risk-control refusal with its reasons), the admin reports, and the pages without the Socket.IO client."""
import re

import pytest

from tests.consoles.journey import choose, find_doctor, login, online_slot_soon

pytestmark = [pytest.mark.live]


def test_language_switch_relabels_the_page_and_is_remembered(open_page):
    from playwright.sync_api import expect

    page = open_page("patient", locale="en-GB")
    expect(page.locator("#login-title")).to_have_text("Log in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.click("#lang-switch")
    expect(page.locator("#login-title")).to_have_text("登录")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#lang-switch")).to_have_text("English")
    login(page, "13800000001", "patient123")
    expect(page.locator("#protocol-title")).to_have_text("1. 网上诊疗协议")
    expect(page.locator("#protocol-text")).to_contain_text(re.compile("[\u4e00-\u9fff]"))  # the Chinese protocol text
    page.reload()  # the choice and the session survive a reload
    expect(page.locator("#booking-title")).to_have_text("3. 预约线上复诊")
    page.click("#lang-switch")
    expect(page.locator("#booking-title")).to_have_text("3. Book an online follow-up")
    assert page.errors == []


def test_wrong_password_shows_the_problem_details(open_page):
    from playwright.sync_api import expect

    page = open_page("doctor", locale="en-GB")
    page.fill("#username", "doctor.wang")
    page.fill("#password", "not-the-password")
    page.click("#login-form button[type=submit]")
    alert = page.locator("#login-error [role=alert]")
    expect(alert).to_contain_text("Invalid credentials (401)")
    expect(alert).to_contain_text("The username or password is incorrect.")
    expect(alert.locator(".request-id")).to_contain_text(re.compile(r"Request id: [0-9a-f]{32}"))
    expect(page.locator("#app")).to_be_hidden()


def test_a_refused_booking_shows_the_reasons_and_admin_sees_the_decision(app, open_page):
    from playwright.sync_api import expect

    online_slot_soon(app)
    patient = open_page("patient", locale="en-GB")
    login(patient, "13800000003", "patient123")  # no in-person diagnosis: online care is refused
    find_doctor(patient, "Dr Wang")
    patient.select_option("#complaint-code", "none")  # nothing in the record to follow up
    patient.click("#slot-form button[type=submit]")
    # told before any time is offered, in plain words, with what to do instead
    refusal = patient.locator("#eligibility [data-allowed=false]")
    expect(refusal).to_contain_text("An online consultation is not possible now.")
    expect(refusal.locator("ul.reasons li").first).to_be_visible()
    expect(refusal.locator("[data-step=see_in_person]")).to_contain_text("See a doctor in person")
    expect(refusal).not_to_contain_text("see_in_person")
    expect(patient.locator("#slot-list li[data-slot]")).to_have_count(0)
    expect(patient.locator("#appointment-list")).to_contain_text("No appointment yet.")

    admin = open_page("admin", locale="en-GB")
    login(admin, "admin", "admin12345")
    expect(admin.locator("#risk-rows tr[data-decision]").first).to_be_visible()
    expect(admin.locator("#risk-rows")).to_contain_text("book_online")
    expect(admin.locator("#room-list li[data-room]")).to_have_count(4)
    expect(admin.locator("#waiting-rows")).to_contain_text("No call in this period.")
    assert patient.errors == [] and admin.errors == []


def test_pages_say_so_when_the_socket_io_client_is_missing(open_page):
    from playwright.sync_api import expect

    page = open_page("patient", locale="en-GB")
    page.route("**/app/vendor/socket.io.min.js", lambda route: route.fulfill(
        content_type="text/javascript", body="window.SOCKET_IO_MISSING = 'The Socket.IO client was not built';"))
    page.reload()
    login(page, "13800000001", "patient123")
    expect(page.locator("#banner")).to_contain_text("The Socket.IO client was not built")
    expect(page.locator("#protocol-title")).to_be_visible()  # the rest of the page still works


def test_a_doctor_adds_an_online_session_that_patients_can_book_now(open_page):
    from playwright.sync_api import expect

    doctor = open_page("doctor", locale="en-GB")
    login(doctor, "doctor.wang", "doctor123")
    doctor.locator("#session-box summary").click()
    doctor.click("#add-session")
    expect(doctor.locator("#session-status")).to_contain_text(re.compile(r"Online session added: \d\d:\d\d–\d\d:\d\d"))
    patient = open_page("patient", locale="en-GB")
    login(patient, "13800000001", "patient123")
    find_doctor(patient, "Dr Wang")
    choose(patient, "#complaint-code", "I10")
    patient.click("#slot-form button[type=submit]")
    first = patient.locator("#slot-list li[data-slot]").first
    expect(first).to_be_visible()
    patient.locator("#slot-list li button").first.click()
    patient.locator("#appointment-list li[data-status=booked] button[data-action=check-in]").click()  # open at once
    expect(patient.locator("#appointment-list li[data-status=checked_in]")).to_have_count(1)


def test_a_console_refuses_another_role_clearly(open_page):
    from playwright.sync_api import expect

    page = open_page("pharmacy", locale="en-GB")
    page.fill("#username", "13800000001")
    page.fill("#password", "patient123")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-error [role=alert]")).to_contain_text("This console is not for the role “Patient”.")
    expect(page.locator("#app")).to_be_hidden()
    assert page.evaluate("Object.keys(sessionStorage).filter((k) => k.endsWith('.token'))") == []
