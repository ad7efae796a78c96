"""Bulk stock updates: JSON or CSV, validated whole, all or nothing; never below what is reserved."""
def test_json_update_is_all_or_nothing(client, world):
    world.pharmacy("shop", stock={"C08CA01": 10})
    pharmacist = world.pharmacist("shop")
    url = "/api/v1/pharmacies/shop/stock"
    bad = {"items": [{"code": "A10BA02", "on_hand": 50}, {"code": "C08CA01", "on_hand": -1},
                     {"code": "ZZ999", "on_hand": 1}]}
    r = client.put(url, json=bad, headers=pharmacist)
    assert r.status_code == 422
    assert {e["field"] for e in r.get_json()["errors"]} >= {"items.1.on_hand"}
    bad = {"items": [{"code": "A10BA02", "on_hand": 50}, {"code": "ZZ999", "on_hand": 1},
                     {"code": "a10ba02", "on_hand": 3}]}
    r = client.put(url, json=bad, headers=pharmacist)
    assert r.status_code == 422
    assert [e["field"] for e in r.get_json()["errors"]] == ["items[1].name", "items[2].code"]
    listed = client.get(url, headers=pharmacist).get_json()["items"]
    assert [(s["code"], s["on_hand"]) for s in listed] == [("C08CA01", 10)]
    good = {"items": [{"code": "A10BA02", "on_hand": 50}, {"code": "ZZ999", "name": "house brand plaster", "on_hand": 4}]}
    rows = client.put(url, json=good, headers=pharmacist).get_json()["items"]
    assert [(s["code"], s["name"], s["on_hand"]) for s in rows] == [
        ("A10BA02", "metformin", 50), ("C08CA01", "amlodipine", 10), ("ZZ999", "house brand plaster", 4)]


def test_csv_update(client, world):
    world.pharmacy("shop")
    pharmacist = world.pharmacist("shop")
    text = "code,system,on_hand\nC08CA01,http://www.whocc.no/atc,120\nC10AA05,,80\n"
    r = client.put("/api/v1/pharmacies/shop/stock", json={"csv": text}, headers=pharmacist)
    assert r.status_code == 200, r.get_json()
    assert [(s["code"], s["on_hand"], s["strength"]) for s in r.get_json()["items"]] == [
        ("C08CA01", 120, "5 mg"), ("C10AA05", 80, "20 mg")]
    r = client.put("/api/v1/pharmacies/shop/stock", json={"csv": "code,on_hand\nC08CA01,lots\n"}, headers=pharmacist)
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "line 2.on_hand"
    assert client.put("/api/v1/pharmacies/shop/stock", json={"csv": "name\nx\n"}, headers=pharmacist).status_code == 422
    assert client.put("/api/v1/pharmacies/shop/stock", json={}, headers=pharmacist).status_code == 422


def test_on_hand_may_not_fall_below_the_reserved_units(client, world):
    world.pharmacy("shop", stock={"C08CA01": 100})
    pharmacist = world.pharmacist("shop")
    patient_id, patient = world.patient()
    order = world.order(patient, world.approved(patient_id))
    world.act(pharmacist, order["order_id"], "accept")
    r = client.put("/api/v1/pharmacies/shop/stock", json={"items": [{"code": "C08CA01", "on_hand": 20}]},
                   headers=pharmacist)
    assert r.status_code == 422 and "reserved" in r.get_json()["errors"][0]["message"]
    r = client.put("/api/v1/pharmacies/shop/stock", json={"items": [{"code": "C08CA01", "on_hand": 28}]},
                   headers=pharmacist)
    assert r.status_code == 200 and r.get_json()["items"][0]["available"] == 0


def test_creating_pharmacies_is_validated(client, world):
    admin = world.admin
    base = {"name": "X", "address": "Y", "lat": 29.9, "lon": 121.5}
    assert client.post("/api/v1/pharmacies", json={**base, "timezone": "Mars/Olympus"}, headers=admin).status_code == 422
    assert client.post("/api/v1/pharmacies", json={**base, "hours": {"mon": ["18:00-09:00"]}},
                       headers=admin).status_code == 422
    assert client.post("/api/v1/pharmacies", json={**base, "lat": 91}, headers=admin).status_code == 422
    created = client.post("/api/v1/pharmacies", json={**base, "id": "p1", "hours": {"mon": ["08:00-12:00", "13:00-20:00"]}},
                          headers=admin)
    assert created.status_code == 201 and created.get_json()["hours"]["mon"] == ["08:00-12:00", "13:00-20:00"]
    assert client.post("/api/v1/pharmacies", json={**base, "id": "p1"}, headers=admin).status_code == 409
    _, patient = world.patient()
    assert client.post("/api/v1/pharmacies", json=base, headers=patient).status_code == 403
