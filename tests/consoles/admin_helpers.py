"""What the admin-console browser tests share: the admin logged in, a login expected to be refused, the
admin's bearer token for checking through the API what the page did, and the words each language shows."""
from tests.consoles.journey import login

LANGUAGES = ["en-GB", "zh-CN"]
WORDS = {
    "en-GB": {"taken": "That user name is taken", "in_use": "already in use", "published": "published and in force",
              "version_exists": "already published", "not_json": "not valid JSON", "hypertension": "Hypertension",
              "online": "Online", "sunday": "Sunday", "summary": "1 added, 1 removed",
              "wait_day": "Average wait by day",
              "saved": "saved", "inactive": "Inactive"},
    "zh-CN": {"taken": "该用户名已被使用", "in_use": "已被使用", "published": "已发布并生效", "version_exists": "此版本已发布",
              "not_json": "不是有效的 JSON", "hypertension": "高血压", "online": "线上", "sunday": "星期日",
              "summary": "新增 1，删除 1", "wait_day": "按日期的平均候诊", "saved": "已保存",
              "inactive": "已停用"},
}


def admin_page(open_page, locale):
    page = open_page("admin", locale=locale)
    login(page, "admin", "admin12345")
    return page


def try_login(page, username, password):
    """Submit the login form without waiting for the app (the login may be refused)."""
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")


def bearer(client, username="admin", password="admin12345"):
    r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['access_token']}"}
