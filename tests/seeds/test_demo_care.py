"""The demo seed's chronic care: plans with months of readings, inspections and home visits, seen through the API."""


def test_the_demo_has_chronic_patients_on_plans_with_months_of_readings(runner, accounts, client):
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert "(0 new records)" in runner.invoke(args=["seed", "demo"]).output
    zhang = accounts.login("13800000001", "patient123")
    plans = client.get("/api/v1/care-plans", headers=zhang).get_json()["items"]
    assert [p["template"] for p in plans] == ["hypertension"]
    readings = client.get("/api/v1/measurements?code=blood-pressure&limit=200", headers=zhang).get_json()["items"]
    assert len(readings) >= 30
    wang = accounts.login("doctor.wang", "doctor123")
    adherence = client.get(f"/api/v1/care-plans/{plans[0]['id']}/adherence", headers=wang).get_json()
    assert adherence["measurements"][0]["received"] >= 30
    assert client.get("/api/v1/measurements/alerts?status=open", headers=wang).get_json()["items"]
    chen = accounts.login("13800000002", "patient123")
    results = client.get("/api/v1/inspections", headers=chen).get_json()["items"]
    assert results[0]["abnormal"] is True and results[0]["results"][0]["flag"] == "H"
    nurse = accounts.login("nurse.sun", "nurse123")
    visits = client.get("/api/v1/nursing/visits", headers=nurse).get_json()["items"]
    assert sorted(v["status"] for v in visits) == ["completed", "scheduled"]
    admin = accounts.login("admin", "admin12345")
    report = {r["clinic"]: r for r in client.get("/api/v1/reports/chronic-care", headers=admin).get_json()["items"]}
    assert report["hypertension"]["on_plan"] == 1 and report["diabetes"]["control_rate"] == 0.0
