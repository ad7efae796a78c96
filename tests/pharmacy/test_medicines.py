"""The medication catalogue over the app API: what a doctor chooses from, searchable by code, English or
Chinese name, with strength, the label's limits, restriction and source."""


def test_the_catalogue_lists_every_medicine_by_name_with_its_facts(client, world):
    doctor = world.doctor()
    body = client.get("/api/v1/medicines?limit=200", headers=doctor).get_json()
    names = [m["name"] for m in body["items"]]
    assert body["total"] == len(names) >= 20 and names == sorted(names, key=str.casefold)
    amlodipine = next(m for m in body["items"] if m["code"] == "C08CA01")
    assert amlodipine["name_zh"] and amlodipine["unit"] and amlodipine["max_daily_dose"]["unit"] == "mg"
    assert amlodipine["restricted"] is None and amlodipine["citation"]["url"].startswith("http")
    assert any(m["restricted"] for m in body["items"])  # the restricted ones are listed, and marked


def test_search_by_code_english_or_chinese_name(client, world):
    doctor = world.doctor()
    for query in ("C08CA01", "c08ca01", "AMLODIPINE", "氨氯地平"):
        codes = [m["code"] for m in client.get(f"/api/v1/medicines?q={query}", headers=doctor).get_json()["items"]]
        assert codes == ["C08CA01"], query
    dihydropyridines = client.get("/api/v1/medicines?q=c08ca", headers=doctor).get_json()["items"]
    assert [m["code"] for m in dihydropyridines] == ["C08CA01", "C08CA05"]  # amlodipine, nifedipine
    assert client.get("/api/v1/medicines?q=no-such-drug", headers=doctor).get_json() == \
        {"items": [], "next": None, "total": 0}
    assert client.get("/api/v1/medicines?q=" + "x" * 101, headers=doctor).status_code == 422
    assert client.get("/api/v1/medicines").status_code == 401
