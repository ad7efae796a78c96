"""The directory API (admins manage it) and the look-ups risk control uses."""
from clinic.directory.services import nearest_institutions


def _institution(client, admin, code, lat, lon, **extra):
    r = client.post("/api/v1/institutions", headers=admin, json={
        "code": code, "name": f"Institution {code}", "kind": "primary", "district": "Haishu",
        "latitude": lat, "longitude": lon, **extra})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_admins_manage_institutions_and_doctors(client, accounts):
    _, admin = accounts.admin()
    _, patient = accounts.patient()
    inst = _institution(client, admin, "NB-1", 29.87, 121.55)
    assert inst["timezone"] == "Asia/Shanghai"
    assert client.post("/api/v1/institutions", headers=patient, json={"code": "x"}).status_code == 403
    assert client.post("/api/v1/institutions", headers=admin, json={
        "code": "NB-1", "name": "dup", "kind": "primary"}).status_code == 409
    assert client.post("/api/v1/institutions", headers=admin, json={
        "code": "NB-2", "name": "bad tz", "kind": "primary", "timezone": "Mars/Olympus"}).status_code == 422
    r = client.post("/api/v1/doctors", headers=admin, json={
        "practitioner_id": "prac-1", "name": "Dr Wang", "title": "Chief physician", "specialties": ["hypertension"],
        "institution_ids": [inst["id"]], "consult_fee_fen": 2500, "online": True, "in_person": False})
    assert r.status_code == 201, r.get_json()
    doctor = r.get_json()
    assert (doctor["specialties"], doctor["institution_ids"], doctor["in_person"]) == (["hypertension"], [inst["id"]], False)
    r = client.patch(f"/api/v1/doctors/{doctor['id']}", headers=admin, json={"specialties": ["diabetes", "cardiology"]})
    assert r.get_json()["specialties"] == ["cardiology", "diabetes"]
    assert client.patch(f"/api/v1/institutions/{inst['id']}", headers=admin, json={"phone": "0574-1"}).get_json()["phone"]
    assert client.get(f"/api/v1/doctors/{doctor['id']}", headers=patient).get_json()["name"] == "Dr Wang"
    found = client.get("/api/v1/doctors?specialty=diabetes&online=true", headers=patient).get_json()["items"]
    assert found[0]["id"] == doctor["id"]
    assert client.get("/api/v1/doctors?specialty=paediatrics", headers=patient).get_json()["items"] == []
    assert client.get(f"/api/v1/doctors?institution_id={inst['id']}&online=false",
                      headers=patient).get_json()["items"] == []
    assert client.get("/api/v1/doctors/unknown", headers=patient).status_code == 404


def test_institutions_near_a_point_with_a_specialty(app, client, accounts, world):
    _, admin = accounts.admin()
    _, patient = accounts.patient()
    far = _institution(client, admin, "FAR", 30.50, 121.55)
    near = _institution(client, admin, "NEAR", 29.88, 121.56)
    middle = _institution(client, admin, "MID", 30.00, 121.55)
    client.post("/api/v1/doctors", headers=admin, json={"practitioner_id": "p-psy", "name": "Dr Psy",
                                                         "specialties": ["psychology"], "institution_ids": [far["id"], middle["id"]]})
    rows = client.get("/api/v1/institutions?near=29.87,121.55", headers=patient).get_json()["items"]
    assert [r["id"] for r in rows] == [near["id"], middle["id"], far["id"]]
    assert rows[0]["distance_km"] < rows[1]["distance_km"]
    rows = client.get("/api/v1/institutions?near=29.87,121.55&specialty=psychology",
                      headers=patient).get_json()["items"]
    assert [r["id"] for r in rows] == [middle["id"], far["id"]]
    assert client.get("/api/v1/institutions?near=north", headers=patient).status_code == 422
    with app.app_context():
        found = nearest_institutions(29.87, 121.55, "psychology", limit=1)
    assert found[0]["id"] == middle["id"] and found[0]["reference"] == f"Organization/org-{middle['id']}"


def test_the_specialty_code_list_is_served_named_in_both_languages(client, accounts):
    """The consoles name specialties from this list; a doctor may have only a code in it."""
    import re
    _, patient = accounts.patient()
    _, admin = accounts.admin()
    assert client.get("/api/v1/specialties").status_code == 401
    page = client.get("/api/v1/specialties?limit=200", headers=patient).get_json()
    codes = [item["code"] for item in page["items"]]
    assert page["total"] == len(codes) and page["next"] is None
    assert {"general_medicine", "hypertension", "diabetes", "psychology"} <= set(codes)
    assert all(item["name"] and re.search("[\u4e00-\u9fff]", item["name_zh"]) for item in page["items"])
    unknown = {"practitioner_id": "prac-x", "name": "Dr X", "specialties": ["astrology"]}
    assert client.post("/api/v1/doctors", headers=admin, json=unknown).status_code == 422


def test_admins_list_deactivated_institutions_and_doctors_to_reactivate_them(client, accounts):
    _, admin = accounts.admin()
    _, patient = accounts.patient()
    inst = _institution(client, admin, "NB-OFF", 29.8, 121.5)
    doctor = client.post("/api/v1/doctors", headers=admin, json={
        "practitioner_id": "prac-off", "name": "Dr Off", "institution_ids": [inst["id"]]}).get_json()
    for path, row in ((f"/api/v1/institutions/{inst['id']}", inst), (f"/api/v1/doctors/{doctor['id']}", doctor)):
        assert client.patch(path, headers=admin, json={"is_active": False}).status_code == 200

    def ids(path, headers, status=None):
        query = f"?limit=200&status={status}" if status else "?limit=200"
        response = client.get(path + query, headers=headers)
        return response.status_code, {row["id"] for row in (response.get_json().get("items") or [])}

    for path, row in (("/api/v1/institutions", inst), ("/api/v1/doctors", doctor)):
        assert row["id"] not in ids(path, admin)[1] and row["id"] not in ids(path, patient)[1]
        status, found = ids(path, admin, "inactive")
        assert status == 200 and row["id"] in found
        assert row["id"] in ids(path, admin, "any")[1]
        assert ids(path, patient, "inactive")[0] == 403 and ids(path, patient, "any")[0] == 403
        assert ids(path, admin, "asleep")[0] == 422
    assert client.patch(f"/api/v1/doctors/{doctor['id']}", headers=admin, json={"is_active": True}).status_code == 200
    assert doctor["id"] in ids("/api/v1/doctors", patient)[1]
