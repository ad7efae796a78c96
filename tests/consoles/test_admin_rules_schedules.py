"""The admin console's rule-set versions and schedules, in English and in Chinese: publish a new version made
from a copy of the one in force and compare the two side by side (a rule added, one removed, one changed, a
parameter changed); a refused publication says why. Add a weekly session to Dr Wang's schedule, retire and
resume it, record leave and remove it, retire the session."""
import json
from datetime import timedelta

import pytest

from core import clock
from tests.consoles.admin_helpers import LANGUAGES, WORDS, admin_page, bearer
from tests.consoles.journey import choose
from tests.demo_world import SHANGHAI

pytestmark = [pytest.mark.live]


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_rule_version_is_published_from_a_copy_and_compared(open_page, locale):
    from playwright.sync_api import expect

    words = WORDS[locale]
    admin = admin_page(open_page, locale)
    versions = admin.locator("#version-rows tr[data-version]")
    expect(versions.first).to_be_visible()
    before, in_force = versions.count(), versions.first.get_attribute("data-version")
    versions.first.get_by_role("button").click()  # edit a copy of the version in force
    data = json.loads(admin.input_value("#ruleset-json"))
    assert data["version"] == in_force and "published_at" not in data
    removed, changed = data["rules"][-1]["id"], data["rules"][0]["id"]
    new_version = f"2099.1-{locale[:2]}"
    data.update(version=new_version, rules=data["rules"][:-1] + [{**data["rules"][1], "id": "test.copy"}])
    data["rules"][0]["title"] = "A clearer title"
    data["params"]["max_days_supply"] = 60
    admin.fill("#ruleset-json", json.dumps(data, ensure_ascii=False))
    admin.click("#publish-form button[type=submit]")
    expect(admin.locator("#publish-error .ok")).to_contain_text(words["published"])
    expect(versions).to_have_count(before + 1)
    expect(versions.first).to_have_attribute("data-version", new_version)

    admin.select_option("#compare-a", in_force)
    admin.select_option("#compare-b", new_version)
    admin.click("#compare-form button[type=submit]")
    diff = admin.locator("#rule-diff")
    expect(diff.locator(".diff-summary")).to_contain_text(words["summary"])
    expect(diff.locator("tr[data-diff=added]")).to_have_attribute("data-rule", "test.copy")
    expect(diff.locator("tr[data-diff=removed]")).to_have_attribute("data-rule", removed)
    title = diff.locator(f"tr[data-diff=changed][data-rule='{changed}'][data-field=title]")
    expect(title.locator("td.newer")).to_have_text("A clearer title")
    param = diff.locator("tr[data-param=max_days_supply]")
    expect(param.locator("td.older")).to_have_text("30")
    expect(param.locator("td.newer")).to_have_text("60")

    admin.click("#publish-form button[type=submit]")  # the same version again
    expect(admin.locator("#publish-error [role=alert]")).to_contain_text(words["version_exists"])
    expect(versions).to_have_count(before + 1)
    admin.fill("#ruleset-json", "{not json")
    admin.click("#publish-form button[type=submit]")
    expect(admin.locator("#publish-error [role=alert]")).to_contain_text(words["not_json"])
    assert admin.errors == []


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_weekly_session_is_added_paused_and_deleted_and_leave_recorded(open_page, client, locale):
    from playwright.sync_api import expect

    words = WORDS[locale]
    admin = admin_page(open_page, locale)
    expect(admin.locator("#sched-inst option").first).to_be_attached()
    choose(admin, "#sched-inst", "Ningbo Cloud Hospital")
    expect(admin.locator("#sched-doctor option", has_text="Wang")).to_have_count(1)
    choose(admin, "#sched-doctor", "Wang")
    admin.click("#sched-pick-form button[type=submit]")
    doctor_id = admin.input_value("#sched-doctor")
    listed = client.get(f"/api/v1/schedules/templates?doctor_id={doctor_id}", headers=bearer(client)).get_json()
    rows = admin.locator("#template-rows tr[data-template]")
    expect(rows).to_have_count(len(listed["items"]))

    choose(admin, "#tpl-inst", "Ningbo Cloud Hospital")
    admin.select_option("#tpl-weekday", "6")
    admin.select_option("#tpl-session", "evening")
    admin.select_option("#tpl-kind", "online")
    admin.fill("#tpl-start", "19:00")
    admin.fill("#tpl-end", "21:00")
    admin.fill("#tpl-minutes", "20")
    admin.click("#template-form button[type=submit]")
    expect(rows).to_have_count(len(listed["items"]) + 1)
    sunday = admin.locator("#template-rows tr[data-template]", has_text=words["sunday"])
    expect(sunday).to_contain_text("19:00–21:00")
    expect(sunday).to_have_attribute("data-active", "true")
    sunday.locator("button[data-action=retire]").click()
    expect(sunday).to_have_attribute("data-active", "false")
    sunday.locator("button[data-action=resume]").click()
    expect(sunday).to_have_attribute("data-active", "true")

    first_day = ((clock.now() + SHANGHAI).date() + timedelta(days=20)).isoformat()
    admin.fill("#leave-start", first_day)
    admin.fill("#leave-end", first_day)
    admin.fill("#leave-reason", "Conference 会议")
    admin.click("#leave-form button[type=submit]")
    expect(admin.locator("#leave-list li[data-exception]")).to_contain_text(first_day)

    admin.locator("#leave-list li[data-exception] button").click()
    expect(admin.locator("#leave-list li[data-exception]")).to_have_count(0)
    sunday.locator("button[data-action=retire]").click()
    expect(sunday).to_have_attribute("data-active", "false")
    after = client.get(f"/api/v1/schedules/templates?doctor_id={doctor_id}", headers=bearer(client)).get_json()
    assert [(t["weekday"], t["is_active"]) for t in after["items"] if t["weekday"] == 6] == [(6, False)]
    assert admin.errors == []
