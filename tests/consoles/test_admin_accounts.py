"""The admin console's staff accounts and directory, in English and in Chinese: list accounts by role, create a
pharmacist who then logs in, deactivate it (its login is refused) and reactivate it; add and edit an institution,
add and edit a doctor, and create that doctor's account, which logs in to the doctor console."""
import re

import pytest

from tests.consoles.admin_helpers import LANGUAGES, WORDS, admin_page, bearer, try_login
from tests.consoles.journey import login

pytestmark = [pytest.mark.live]


@pytest.mark.parametrize("locale", LANGUAGES)
def test_staff_account_created_logs_in_is_deactivated_refused_and_reactivated(open_page, locale):
    from playwright.sync_api import expect

    words, username, password = WORDS[locale], f"pharm.{locale[:2]}", "Pharmacy2026"
    admin = admin_page(open_page, locale)
    expect(admin.locator("#user-rows tr[data-username=admin]")).to_have_count(1)
    admin.select_option("#user-role-filter", "pharmacist")
    admin.click("#user-filter-form button[type=submit]")
    expect(admin.locator("#user-rows tr[data-username=admin]")).to_have_count(0)
    expect(admin.locator("#user-rows tr[data-username='pharmacist.li']")).to_have_count(1)

    admin.select_option("#new-role", "pharmacist")
    expect(admin.locator("#new-practitioner")).to_be_hidden()
    admin.fill("#new-username", username)
    admin.fill("#new-name", "New Pharmacist 新药师")
    admin.fill("#new-password", password)
    admin.fill("#new-pharmacy", "demo-pharmacy-1")
    admin.click("#user-form button[type=submit]")
    row = admin.locator(f"#user-rows tr[data-username='{username}']")
    expect(row).to_have_attribute("data-active", "true")
    expect(admin.locator("#user-error .ok")).to_contain_text(username)

    # the same user name again: refused, in plain words next to the form
    admin.select_option("#new-role", "pharmacist")
    for field, value in (("#new-username", username), ("#new-name", "Twin"), ("#new-password", password),
                         ("#new-pharmacy", "demo-pharmacy-1")):
        admin.fill(field, value)
    admin.click("#user-form button[type=submit]")
    expect(admin.locator("#user-error [role=alert]")).to_contain_text(words["taken"])
    expect(admin.locator("#user-error [role=alert]")).to_contain_text("(409)")

    staff = open_page("pharmacy", locale=locale)
    login(staff, username, password)
    expect(staff.locator("#who")).to_contain_text("New Pharmacist")

    row.locator("button[data-action=deactivate]").click()
    expect(row).to_have_attribute("data-active", "false")
    refused = open_page("pharmacy", locale=locale)
    try_login(refused, username, password)
    expect(refused.locator("#login-error [role=alert]")).to_contain_text("(401)")

    row.locator("button[data-action=reactivate]").click()
    expect(row).to_have_attribute("data-active", "true")
    again = open_page("pharmacy", locale=locale)
    login(again, username, password)
    assert admin.errors == [] and again.errors == []


@pytest.mark.parametrize("locale", LANGUAGES)
def test_institution_and_doctor_added_edited_and_the_doctor_gets_an_account(open_page, client, locale):
    from playwright.sync_api import expect

    words, lang = WORDS[locale], locale[:2]
    code, practitioner = f"TST-{lang}", f"test-pr-{lang}"
    admin = admin_page(open_page, locale)
    admin.fill("#inst-code", code)
    admin.fill("#inst-name", f"Test Clinic {lang}")
    admin.select_option("#inst-kind", "hospital")
    admin.fill("#inst-district", "Haishu")
    admin.click("#inst-form button[type=submit]")
    institution = admin.locator(f"#inst-rows tr[data-code='{code}']")
    expect(institution).to_contain_text(f"Test Clinic {lang}")
    expect(admin.locator("#inst-error .ok")).to_contain_text(words["saved"])
    institution.get_by_role("button").click()
    expect(admin.locator("#inst-code")).to_have_value(code)
    admin.fill("#inst-name", f"Test Clinic {lang} renamed")
    admin.click("#inst-form button[type=submit]")
    expect(institution).to_contain_text("renamed")
    institution_id = institution.get_attribute("data-institution")
    admin.fill("#inst-code", code)  # a second institution with the same code
    admin.fill("#inst-name", "Twin")
    admin.click("#inst-form button[type=submit]")
    expect(admin.locator("#inst-error [role=alert]")).to_contain_text(words["in_use"])

    admin.fill("#doctor-practitioner", practitioner)
    admin.fill("#doctor-name", f"Dr Test {lang}")
    admin.fill("#doctor-title", "Attending physician")
    admin.fill("#doctor-fee", "25")
    admin.select_option("#doctor-specialties", ["hypertension", "diabetes"])
    admin.select_option("#doctor-institutions", [institution_id])
    admin.click("#doctor-form button[type=submit]")
    doctor = admin.locator(f"#doctor-rows tr[data-practitioner='{practitioner}']")
    expect(doctor).to_contain_text(words["hypertension"])
    expect(doctor).to_contain_text(f"Test Clinic {lang} renamed")
    admin.select_option("#doctor-inst-filter", institution_id)
    admin.click("#doctor-filter-form button[type=submit]")
    expect(admin.locator("#doctor-rows tr[data-doctor]")).to_have_count(1)
    doctor.get_by_role("button").click()
    admin.uncheck("#doctor-online")
    admin.click("#doctor-form button[type=submit]")
    expect(doctor.locator("td").nth(3)).not_to_contain_text(words["online"])
    saved = client.get(f"/api/v1/doctors/{doctor.get_attribute('data-doctor')}", headers=bearer(client)).get_json()
    assert (saved["consult_fee_fen"], saved["online"], saved["institution_ids"], sorted(saved["specialties"])) == \
        (2500, False, [institution_id], ["diabetes", "hypertension"])

    admin.select_option("#new-role", "doctor")
    admin.fill("#new-username", f"dr.test.{lang}")
    admin.fill("#new-name", f"Dr Test {lang}")
    admin.fill("#new-password", "Doctor2026")
    admin.fill("#new-practitioner", practitioner)
    admin.click("#user-form button[type=submit]")
    expect(admin.locator(f"#user-rows tr[data-username='dr.test.{lang}']")).to_contain_text(practitioner)
    workstation = open_page("doctor", locale=locale)
    login(workstation, f"dr.test.{lang}", "Doctor2026")
    expect(workstation.locator("#who")).to_contain_text(re.compile(f"Dr Test {lang}"))
    assert admin.errors == []


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_deactivated_institution_and_doctor_are_listed_and_reactivated(open_page, client, locale):
    from playwright.sync_api import expect

    words, lang = WORDS[locale], locale[:2]
    headers = bearer(client)
    inst = client.post("/api/v1/institutions", headers=headers, json={
        "code": f"OFF-{lang}", "name": f"Closed Clinic {lang}", "kind": "primary"}).get_json()
    doctor = client.post("/api/v1/doctors", headers=headers, json={
        "practitioner_id": f"off-pr-{lang}", "name": f"Dr Away {lang}", "institution_ids": [inst["id"]]}).get_json()
    for path in (f"/api/v1/institutions/{inst['id']}", f"/api/v1/doctors/{doctor['id']}"):
        assert client.patch(path, headers=headers, json={"is_active": False}).status_code == 200

    admin = admin_page(open_page, locale)
    admin.fill("#inst-search", f"OFF-{lang}")
    row = admin.locator(f"#inst-rows tr[data-institution='{inst['id']}']")
    expect(row).to_have_attribute("data-active", "false")
    expect(row).to_contain_text(words["inactive"])
    expect(admin.locator(f"#doctor-institutions option[value='{inst['id']}']")).to_have_count(0)  # not offered
    row.get_by_role("button").click()
    expect(admin.locator("#inst-active")).not_to_be_checked()
    admin.check("#inst-active")
    admin.click("#inst-form button[type=submit]")
    expect(row).to_have_attribute("data-active", "true")
    expect(admin.locator(f"#doctor-institutions option[value='{inst['id']}']")).to_have_count(1)

    listed = admin.locator(f"#doctor-rows tr[data-doctor='{doctor['id']}']")
    admin.select_option("#doctor-inst-filter", inst["id"])
    admin.click("#doctor-filter-form button[type=submit]")
    expect(admin.locator("#doctor-rows tr[data-doctor]")).to_have_count(0)
    admin.select_option("#doctor-status-filter", "inactive")
    admin.click("#doctor-filter-form button[type=submit]")
    expect(listed).to_have_attribute("data-active", "false")
    listed.get_by_role("button").click()
    admin.check("#doctor-active")
    admin.click("#doctor-form button[type=submit]")
    expect(listed).to_have_attribute("data-active", "true")
    assert client.get(f"/api/v1/doctors/{doctor['id']}", headers=headers).get_json()["is_active"] is True
    assert client.get(f"/api/v1/institutions/{inst['id']}", headers=headers).get_json()["is_active"] is True
    assert admin.errors == []
