"""core.pagination: every app-API list answers {items, next, total}, pages with `limit` and an opaque
`cursor`, and its `next` link walks the whole list once."""
from urllib.parse import parse_qs, urlsplit

import pytest

from core.pagination import encode_cursor

METHODS = ("get", "post", "put", "patch", "delete")


def _institutions(client, admin, count):
    for n in range(count):
        r = client.post("/api/v1/institutions", headers=admin, json={
            "code": f"P-{n}", "name": f"Institution {n:02d}", "kind": "primary", "district": "Haishu"})
        assert r.status_code == 201, r.get_json()


def _walk(client, url, headers):
    pages = []
    while url:
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.get_json()
        pages.append(r.get_json())
        url = pages[-1]["next"]
    return pages


def test_a_list_is_walked_page_by_page_with_its_total(client, accounts):
    _, admin = accounts.admin()
    _institutions(client, admin, 5)
    pages = _walk(client, "/api/v1/institutions?district=Haishu&limit=2", admin)
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    assert {p["total"] for p in pages} == {5}
    assert [i["name"] for p in pages for i in p["items"]] == [f"Institution {n:02d}" for n in range(5)]
    first_next = urlsplit(pages[0]["next"])
    assert first_next.scheme == "http" and first_next.path == "/api/v1/institutions"
    assert parse_qs(first_next.query)["district"] == ["Haishu"] and parse_qs(first_next.query)["limit"] == ["2"]


def test_a_list_paged_in_the_database_has_no_total_and_no_next_after_a_full_last_page(client, accounts):
    _, admin = accounts.admin()
    for n in range(2):
        accounts.admin(f"admin.page{n}")  # three administrators in all
    pages = _walk(client, "/api/v1/admin/users?role=admin&limit=3", admin)
    assert len(pages) == 1 and len(pages[0]["items"]) == 3 and pages[0]["next"] is None
    assert pages[0]["total"] is None
    pages = _walk(client, "/api/v1/admin/users?role=admin&limit=2", admin)
    assert [len(p["items"]) for p in pages] == [2, 1]
    assert len({u["id"] for p in pages for u in p["items"]}) == 3


def test_limit_defaults_to_50_and_is_at_most_200(client, accounts):
    _, admin = accounts.admin()
    _institutions(client, admin, 51)
    first = client.get("/api/v1/institutions", headers=admin).get_json()
    assert len(first["items"]) == 50 and first["total"] == 51 and first["next"]
    assert client.get("/api/v1/institutions?limit=200", headers=admin).get_json()["next"] is None
    for bad in ("0", "201", "x"):
        r = client.get(f"/api/v1/institutions?limit={bad}", headers=admin)
        assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "limit"


@pytest.mark.parametrize("cursor", ["garbage", "e30", encode_cursor(-1, ""), encode_cursor(True, ""),
                                    encode_cursor(10**12, ""), "eyJvIjogMX0"])
def test_a_cursor_not_made_by_the_api_is_a_422(client, accounts, cursor):
    _, admin = accounts.admin()
    r = client.get(f"/api/v1/institutions?cursor={cursor}", headers=admin)
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "cursor", r.get_json()


def test_a_cursor_sent_with_other_filters_is_a_422(client, accounts):
    _, admin = accounts.admin()
    _institutions(client, admin, 3)
    cursor = parse_qs(urlsplit(client.get("/api/v1/institutions?district=Haishu&limit=1", headers=admin)
                               .get_json()["next"]).query)["cursor"][0]
    assert client.get(f"/api/v1/institutions?district=Haishu&limit=2&cursor={cursor}",
                      headers=admin).status_code == 200  # the limit may change between pages
    r = client.get(f"/api/v1/institutions?district=Yinzhou&cursor={cursor}", headers=admin)
    assert r.status_code == 422 and "other filters" in r.get_json()["errors"][0]["message"]


def test_the_next_link_uses_the_public_base_url(make_app, accounts):
    app = make_app(PUBLIC_BASE_URL="https://hospital.example/fhir")
    client = app.test_client()
    _, admin = accounts.admin()
    _institutions(client, admin, 2)
    nxt = client.get("/api/v1/institutions?limit=1", headers=admin).get_json()["next"]
    assert nxt.startswith("https://hospital.example/api/v1/institutions?limit=1&cursor=")


def test_the_doctors_of_the_demo_come_in_pages(client, runner, accounts):
    """/api/v1/doctors used to answer all 226 demo doctors at once."""
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    patient = accounts.login("13800000001", "patient123")
    first = client.get("/api/v1/doctors", headers=patient).get_json()
    assert len(first["items"]) == 50 and first["total"] == 226
    pages = _walk(client, "/api/v1/doctors?limit=200", patient)
    assert [len(p["items"]) for p in pages] == [200, 26]
    assert len({d["id"] for p in pages for d in p["items"]}) == 226


def test_every_list_operation_follows_the_one_contract(client):
    """No bare arrays: every answer that lists things is a page, and every page takes limit and cursor."""
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    pages = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for status, response in operation["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                assert schema.get("type") != "array", (method, path, status)
                name = schema.get("$ref", "").rsplit("/", 1)[-1]
                if name.endswith("Page"):
                    assert set(schemas[name]["properties"]) == {"items", "next", "total"}, name
                    pages.append((method, path))
                    if method == "get":
                        params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
                        assert {"limit", "cursor"} <= params, (path, params)
    assert len(pages) >= 20, pages
