"""The reviewing pharmacist's console shows each prescription with the patient's facts (sex and age, allergies,
conditions, current medicines) and the automatic flags with their reasons and sources; a flag is upheld or
overridden with a reason, approval waits until every flag is decided and none upheld (in English and in
Chinese)."""
import re

import pytest

from core.auth import SYSTEM
from core.extensions import db
from records import api as records
from tests.consoles.journey import login
from tests.pharmacy.conftest import consultations  # noqa: F401  (the fixture: a consultation resolver for the test)

pytestmark = [pytest.mark.live]

# 25 mg three times a day is above the catalogue's daily maximum, and a sulfonamide for a patient allergic to
# sulfa drugs: two flags.
HCTZ_TOO_MUCH = {"code": "C03AA03", "dose": "25 mg", "frequency": "three times daily", "route": "oral",
                 "quantity": 84, "days_supply": 28}


def _bearer(client, username, password):
    r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['access_token']}"}


def _flagged_prescription(app, client, consultations):  # noqa: F811
    """Demo patient 1 with a sulfa allergy, and Dr Wang's prescription of too much hydrochlorothiazide."""
    patient = _bearer(client, "13800000001", "patient123")
    doctor = _bearer(client, "doctor.wang", "doctor123")
    me, dr = (client.get("/api/v1/me", headers=h).get_json() for h in (patient, doctor))
    allergy = {"resourceType": "AllergyIntolerance", "patient": {"reference": f"Patient/{me['patient_id']}"},
               "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                                              "code": "active"}]},
               "code": {"text": "Sulfa drugs"}, "criticality": "high", "reaction": [{"manifestation": [{"text": "Rash"}]}]}
    with app.app_context():  # recorded at an earlier visit
        records.create(SYSTEM, allergy)
        db.session.commit()
    consultations["consult-review"] = {"patient_id": me["patient_id"], "practitioner_id": dr["practitioner_id"],
                                       "encounter_ref": "Encounter/consult-review"}
    r = client.post("/api/v1/prescriptions", json={"consultation_id": "consult-review", "items": [HCTZ_TOO_MUCH]},
                    headers=doctor)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _review_item(client, prescription_id):
    r = client.get(f"/api/v1/prescriptions/{prescription_id}/review",
                   headers=_bearer(client, "pharmacist.zhao", "review123"))
    return r.get_json()


def test_the_reviewer_sees_facts_and_flags_overrides_them_with_reasons_and_approves(app, client, open_page, consultations):  # noqa: F811
    from playwright.sync_api import expect

    prescription_id = _flagged_prescription(app, client, consultations)
    page = open_page("pharmacy", locale="en-GB")
    login(page, "pharmacist.zhao", "review123")
    entry = page.locator(f"#review-list li[data-prescription='{prescription_id}']")
    expect(entry.locator("[data-fact=allergies]")).to_contain_text("Sulfa drugs (high) Rash")
    expect(entry.locator("[data-fact=patient]")).to_contain_text(re.compile(r"(Male|Female) · \d+ years old"))
    expect(entry.locator("[data-fact=conditions]")).not_to_be_empty()
    flags = entry.locator("ul.flags > li")
    expect(flags).to_have_count(2)
    expect(entry).to_contain_text("Allergy match")
    expect(entry).to_contain_text("Dose above the maximum")
    expect(entry.locator("ul.flags a").first).to_have_attribute("href", re.compile("^https?://"))
    approve = entry.locator("button.primary")
    expect(approve).to_be_disabled()

    for number in ("1", "2"):
        flag = entry.locator(f"ul.flags > li[data-flag='{number}']")
        flag.locator("input").fill("Checked with the doctor by phone")
        flag.locator("button[data-decide=override]").click()
        expect(entry.locator(f"ul.flags > li[data-flag='{number}']")).to_have_attribute("data-decision", "overridden")
    expect(entry.locator("ul.flags")).to_contain_text("Overridden · Checked with the doctor by phone")
    expect(approve).to_be_enabled()
    approve.click()
    expect(page.locator("#review-list li[data-prescription]")).to_have_count(0)

    item = _review_item(client, prescription_id)
    assert item["prescription"]["status"] == "approved"
    assert [(f["decision"]["decision"], f["decision"]["reason"]) for f in item["flags"]] == \
        [("overridden", "Checked with the doctor by phone")] * 2
    assert page.errors == []


def test_an_upheld_flag_blocks_approval_and_the_reviewer_rejects_in_chinese(app, client, open_page, consultations):  # noqa: F811
    from playwright.sync_api import expect

    prescription_id = _flagged_prescription(app, client, consultations)
    page = open_page("pharmacy", locale="zh-CN")
    login(page, "pharmacist.zhao", "review123")
    entry = page.locator(f"#review-list li[data-prescription='{prescription_id}']")
    expect(entry).to_contain_text("过敏匹配")
    expect(entry).to_contain_text("剂量超过上限")
    expect(entry.locator("[data-fact=patient]")).to_contain_text(re.compile(r"(男|女) · \d+ 岁"))
    allergy = entry.locator("ul.flags > li", has_text="过敏匹配")
    allergy.locator("button[data-decide=uphold]").click()
    expect(entry.locator("ul.flags")).to_contain_text("已维持")
    expect(entry).to_contain_text("有提示被维持")
    expect(entry.locator("button.primary")).to_be_disabled()
    # An override without a reason is refused, and the refusal is shown
    dose = entry.locator("ul.flags > li", has_text="剂量超过上限")
    dose.locator("button[data-decide=override]").click()
    expect(page.locator("#review-error [role=alert]")).to_contain_text("(422)")
    entry.locator(f"#reject-{prescription_id}").fill("磺胺过敏，请医生换药")
    entry.get_by_role("button", name="驳回").click()
    expect(page.locator("#review-list li[data-prescription]")).to_have_count(0)

    item = _review_item(client, prescription_id)
    assert item["prescription"]["status"] == "rejected"
    assert page.errors == []
