"""Patient app (issue 22 item 1, part): find a doctor by clinic, institution and name with the next free time;
the condition comes from the patient's own record; online care is explained before any time is offered;
an appointment is rescheduled and cancelled (after a second confirmation); a notification is said in the
page's language only; sign-up with the texted code and a password reset. In English and in Chinese."""
import re
from datetime import date
from pathlib import Path

import pytest

from core.identity import make_id_number
from tests.conftest import last_code
from tests.consoles.journey import choose, doctor_named, find_doctor, login, online_slot_soon
from tests.core.test_registration import later

pytestmark = [pytest.mark.live]

TEXT = {
    "en-GB": {"eligible": "An online follow-up is possible.", "cancelled": "The appointment was cancelled.",
              "moved": "Moved to", "clinic_cancelled": "Your appointment was cancelled", "foreign": "您的预约已取消"},
    "zh-CN": {"eligible": "可以进行在线复诊", "cancelled": "预约已取消。", "moved": "已改约至",
              "clinic_cancelled": "您的预约已取消", "foreign": "Your appointment was cancelled"},
}


def _bearer(client, username, password):
    r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['access_token']}"}


def _appointments(client, headers):
    return {a["id"]: a for a in client.get("/api/v1/appointments?limit=50", headers=headers).get_json()["items"]}


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_find_check_book_reschedule_cancel_and_hear_of_it_in_one_language(app, client, open_page, locale):
    from playwright.sync_api import expect

    words = TEXT[locale]
    # beyond the 2-hour cut-off for changes (CLINIC_CANCEL_CUTOFF_MINUTES), before the demo's online afternoons
    # (Mon, Wed, Fri from 14:00), so that both come first among the doctor's free times the page lists
    first, second = online_slot_soon(app, minutes=180), online_slot_soon(app, minutes=200)
    patient = open_page("patient", locale=locale)
    login(patient, "13800000001", "patient123")

    # the finder narrows by clinic and name, and says when each doctor is next free
    find_doctor(patient, "Dr Wang", clinic="hypertension")
    expect(patient.locator("#doctor-select option")).to_have_count(1)
    expect(patient.locator("#doctor-select option").first).to_contain_text(re.compile(r"\d\d:\d\d"))
    # no pre-filled demo values: the condition is chosen from the record, the reason is empty
    expect(patient.locator("#complaint-code")).to_have_value("")
    expect(patient.locator("#reason")).to_have_value("")
    choose(patient, "#complaint-code", "I10")
    patient.click("#slot-form button[type=submit]")
    expect(patient.locator("#eligibility [data-allowed=true]")).to_contain_text(words["eligible"])

    patient.locator(f"#slot-list li[data-slot='{first}'] button").click()
    booked = patient.locator("#appointment-list li[data-status=booked]")
    expect(booked).to_have_count(1)
    headers = _bearer(client, "13800000001", "patient123")
    (appointment_id,) = [a for a, row in _appointments(client, headers).items() if row["status"] == "booked"]

    # reschedule: the doctor's other free times, one chosen
    booked.locator("button[data-action=reschedule]").click()
    booked.locator(f"li[data-slot='{second}'] button").click()
    expect(booked.locator("li[data-slot]")).to_have_count(0)
    assert _appointments(client, headers)[appointment_id]["slot"]["id"] == second

    # cancel: asked once more, and "keep it" keeps it
    booked.locator("button[data-action=cancel]").click()
    booked.get_by_role("button", name=re.compile("Keep it|保留预约")).click()
    expect(booked.locator("button[data-action=confirm-cancel]")).to_have_count(0)
    booked.locator("button[data-action=cancel]").click()
    booked.locator("button[data-action=confirm-cancel]").click()
    expect(patient.locator("#appointment-list li[data-status=booked]")).to_have_count(0)
    assert _appointments(client, headers)[appointment_id]["status"] == "cancelled"

    # the clinic cancels another booking: the notification comes in the page's language only
    r = client.post("/api/v1/appointments", headers={**headers, "Idempotency-Key": f"second-{locale}"},
                    json={"slot_id": first, "kind": "online", "complaint_code": "I10"})
    assert r.status_code == 201, r.get_json()
    admin = _bearer(client, "admin", "admin12345")
    assert client.post(f"/api/v1/appointments/{r.get_json()['id']}/cancel", headers=admin).status_code == 200
    note = patient.locator("#note-list li[data-kind=appointment_cancelled]").first
    expect(note).to_contain_text(words["clinic_cancelled"])
    expect(note).not_to_contain_text(words["foreign"])
    assert patient.errors == []


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_sign_up_with_the_texted_code_then_reset_the_password(app, open_page, locale):
    from playwright.sync_api import expect

    phone = "13600136000" if locale == "en-GB" else "13600136001"
    id_number = make_id_number("330203", date(1990, 5, 17), 31 if locale == "en-GB" else 33)
    page = open_page("patient", locale=locale)
    page.locator("#signup summary").click()
    page.fill("#signup-phone", phone)
    page.click("#signup-send-code")
    expect(page.locator("#signup-code-status")).to_contain_text("10")
    page.fill("#signup-code", last_code(app, phone))
    page.fill("#signup-name", "Lin Xiaoyu")
    page.fill("#signup-id", id_number)
    page.fill("#signup-password", "weak")
    page.click("#signup-form button[type=submit]")
    expect(page.locator("#signup-error [role=alert]")).to_contain_text(re.compile("password|密码", re.I))  # the field named
    page.fill("#signup-password", "spring2027")
    page.click("#signup-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")
    expect(page.locator("#who")).to_contain_text("Lin Xiaoyu")
    expect(page.locator("#account-help")).to_be_hidden()

    with page.expect_navigation():  # logging out reloads the page: the old one's login form must not be used
        page.click("#logout")
    page.wait_for_selector("#login-form")
    later(61)  # one code per phone per minute
    page.locator("#forgot summary").click()
    page.fill("#forgot-phone", phone)
    page.click("#forgot-send-code")
    expect(page.locator("#forgot-code-status")).not_to_be_empty()
    page.fill("#forgot-code", last_code(app, phone))
    page.fill("#forgot-password", "autumn2027")
    page.click("#forgot-form button[type=submit]")
    expect(page.locator("#account-status")).to_contain_text(re.compile("password was changed|密码已修改"))
    expect(page.locator("#username")).to_have_value(phone)
    login(page, phone, "autumn2027")
    expect(page.locator("#who")).to_contain_text("Lin Xiaoyu")
    assert page.errors == []


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_family_doctor_guardian_and_waiting_list(app, open_page, locale):
    from playwright.sync_api import expect

    patient = open_page("patient", locale=locale)
    login(patient, "13800000002", "patient123")
    # the family doctor: signed with one chosen from those who take contracts
    choose(patient, "#family-select", doctor_named("Dr Wang"))
    patient.click("#family-form button[type=submit]")
    expect(patient.locator("#family-doctor")).to_contain_text("Dr Wang")
    patient.reload()
    expect(patient.locator("#family-doctor")).to_contain_text("Dr Wang")

    # a guardian: asked by the patient, accepted by the guardian in their own app, revoked by the patient
    patient.fill("#guardian-username", "13800000003")
    patient.select_option("#guardian-relationship", "MTH")
    patient.click("#guardian-form button[type=submit]")
    pending = patient.locator("#guardian-list li[data-status=pending]")
    expect(pending).to_contain_text(re.compile("mother|母亲"))
    guardian = open_page("patient", locale=locale)
    login(guardian, "13800000003", "patient123")
    guardian.locator("#guardian-list li[data-status=pending] button[data-action=accept]").click()
    expect(guardian.locator("#guardian-list li[data-status=active]")).to_have_count(1)
    patient.reload()
    active = patient.locator("#guardian-list li[data-status=active]")
    expect(active).to_have_count(1)
    active.locator("button[data-action=revoke]").click()
    expect(patient.locator("#guardian-list li[data-status=revoked]")).to_have_count(1)

    # the waiting list for a day with the doctor chosen in the finder; then left
    find_doctor(patient, "Dr Wang")
    patient.click("#waitlist-form button[type=submit]")
    # waiting, or already offered a place: joining offers the day's free places at once (weekdays of the demo have some)
    entry = patient.locator("#waitlist-list li[data-status=waiting], #waitlist-list li[data-status=offered]")
    expect(entry).to_contain_text("Dr Wang")
    entry.locator("button[data-action=leave]").click()
    expect(patient.locator("#waitlist-list li[data-entry]")).to_have_count(0)
    assert patient.errors == [] and guardian.errors == []


def test_the_record_says_classes_and_statuses_in_words(open_page):
    from playwright.sync_api import expect

    patient = open_page("patient", locale="zh-CN")
    login(patient, "13800000001", "patient123")
    rows = patient.locator("#record-panel table[data-type=Encounter] tbody tr")
    expect(rows.first).to_be_visible()
    text = patient.locator("#record-panel").inner_text()
    assert "门诊" in text or "线上问诊" in text, text
    assert not re.search(r"\b(AMB|VR|finished|in-progress)\b", text), text


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_a_chronic_patient_sees_the_plan_sends_a_reading_and_is_told_the_doctor_knows(app, client, open_page, locale):
    from playwright.sync_api import expect

    patient = open_page("patient", locale=locale)
    login(patient, "13800000001", "patient123")  # Zhang Wei: the demo's hypertension plan, months of readings
    plan = patient.locator("#plan-list li[data-template=hypertension]")
    expect(plan).to_contain_text(re.compile("every 28 days|每 28 天"))
    expect(plan).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d"))  # the next follow-up's date
    row = patient.locator("#reading-rows tr[data-code=blood-pressure]")
    expect(row).to_be_visible()
    before = int(row.locator("td").last.inner_text())
    expect(patient.locator("#bp-trend svg polyline")).to_have_count(2)

    # the glucose field is not asked for blood pressure, and the other way round
    expect(patient.locator("#reading-value")).to_be_hidden()
    patient.fill("#reading-systolic", "186")
    patient.fill("#reading-diastolic", "112")
    patient.click("#reading-form button[type=submit]")
    alert = patient.locator("#reading-status [data-rule]").first
    expect(alert).to_contain_text(re.compile("doctor was told|已通知医生"))
    expect(row.locator("td").last).to_have_text(str(before + 1))
    expect(row.locator("td").first).to_contain_text("186/112")

    headers = {"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
        "username": "doctor.wang", "password": "doctor123"}).get_json()["access_token"]}
    alerts = client.get("/api/v1/measurements/alerts?status=open&limit=50", headers=headers).get_json()["items"]
    assert any(a["rule_id"] == alert.get_attribute("data-rule") for a in alerts)  # the doctor's open alerts
    assert patient.errors == []


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_a_booking_is_paid_in_the_cashier_its_receipt_downloaded_and_its_cancellation_refunded(app, client, open_page,
                                                                                                 locale):
    from playwright.sync_api import expect

    slot = online_slot_soon(app, minutes=180)
    headers = _bearer(client, "13800000001", "patient123")
    booked = client.post("/api/v1/appointments", headers={**headers, "Idempotency-Key": f"bill-{locale}"},
                         json={"slot_id": slot, "kind": "online", "complaint_code": "I10"})
    assert booked.status_code == 201, booked.get_json()
    patient = open_page("patient", locale=locale)
    login(patient, "13800000001", "patient123")
    (charge,) = client.get(f"/api/v1/charges?source=Appointment/{booked.get_json()['id']}",
                           headers=headers).get_json()["items"]
    assert charge["amount_fen"] > 0
    bill = patient.locator(f"#bill-list li[data-charge='{charge['id']}']")
    expect(bill).to_have_attribute("data-status", "pending")
    expect(bill).to_contain_text(f"¥{charge['amount_fen'] / 100:.2f}")

    bill.locator("button[data-action=pay]").click()
    expect(bill).to_contain_text("sandbox://pay/")  # what a wallet app would scan
    bill.locator("button[data-action=sandbox-pay]").click()
    bill = patient.locator(f"#bill-list li[data-charge='{charge['id']}']")
    expect(bill).to_have_attribute("data-status", "paid")
    with patient.expect_download() as download:
        bill.locator("button[data-action=receipt]").click()
    receipt = download.value
    assert receipt.suggested_filename == f"receipt-{charge['id']}.txt"
    assert f"{charge['amount_fen'] / 100:.2f}" in Path(receipt.path()).read_text(encoding="utf-8")

    # cancelled before the cut-off: the payment comes back by itself
    item = patient.locator(f"#appointment-list li[data-appointment='{booked.get_json()['id']}']")
    item.locator("button[data-action=cancel]").click()
    item.locator("button[data-action=confirm-cancel]").click()
    expect(patient.locator("#appointment-list li[data-status=booked]")).to_have_count(0)
    patient.reload()
    expect(patient.locator(f"#bill-list li[data-charge='{charge['id']}']")).to_have_attribute("data-status", "refunded")
    assert patient.errors == []
