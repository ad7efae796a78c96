"""Home measurements through HTTP: checked units and ranges, the Observation with device, method and LOINC
codes, the plan's threshold alerts (the rule that fired, the doctor told, the open list), trends and summary."""
from datetime import datetime, timedelta, timezone

from tests.clinic.careplans.conftest import enrol, measure

FHIR = {"Accept": "application/fhir+json"}


def test_readings_are_checked_and_converted(client, team):
    _, _, _, account, patient = team
    bad = [
        ({"code": "blood-pressure", "systolic": 400, "diastolic": 80}, "systolic"),
        ({"code": "blood-pressure", "systolic": 120, "diastolic": 130}, "diastolic"),
        ({"code": "blood-pressure", "systolic": 120}, "diastolic"),
        ({"code": "glucose", "value": 6.1, "unit": "g/L"}, "unit"),
        ({"code": "weight", "value": 0.2}, "value"),
        ({"code": "weight", "value": 70, "measured_at": "2026-03-03T00:00:00Z"}, "measured_at"),
    ]
    for body, field in bad:
        r = measure(client, patient, **body)
        assert r.status_code == 422, (body, r.get_json())
        assert field in str(r.get_json()), (body, r.get_json())
    assert measure(client, patient, code="pulse", value=70).status_code == 422
    r = measure(client, patient, code="glucose", value=108, unit="mg/dL", method="device-automatic",
                device="Accu-Chek Guide")
    assert r.status_code == 201
    assert r.get_json()["values"] == {"value": 6.0} and r.get_json()["unit"] == "mmol/L"
    r = measure(client, patient, code="weight", value=154, unit="[lb_av]")
    assert r.get_json()["values"] == {"value": 69.85}


def test_a_reading_is_an_observation_with_device_method_and_loinc_codes(client, team):
    _, _, _, account, patient = team
    r = measure(client, patient, code="blood-pressure", systolic=128, diastolic=82, method="device-automatic",
                device="Omron HEM-7121")
    reading = r.get_json()
    obs = client.get(f"/fhir/{reading['fhir']}", headers={**patient, **FHIR}).get_json()
    assert obs["code"]["coding"][0]["code"] == "85354-9" and obs["device"]["display"] == "Omron HEM-7121"
    assert obs["method"]["coding"][0]["code"] == "device-automatic"
    assert [(c["code"]["coding"][0]["code"], c["valueQuantity"]["value"]) for c in obs["component"]] == [
        ("8480-6", 128), ("8462-4", 82)]
    assert "interpretation" not in obs
    found = client.get(f"/fhir/Observation?patient={account['patient_id']}&code=http://loinc.org|85354-9",
                       headers={**patient, **FHIR}).get_json()
    assert [e["resource"]["id"] for e in found["entry"]] == [obs["id"]]
    forged = client.put(f"/fhir/Observation/{obs['id']}", json={**obs, "status": "entered-in-error"},
                        headers={**patient, **FHIR, "Content-Type": "application/fhir+json"})
    assert forged.status_code == 403


def test_a_reading_outside_the_plan_alerts_the_doctor_with_the_rule(client, team, frozen):
    _, _, doctor, account, patient = team
    assert measure(client, patient, code="blood-pressure", systolic=150, diastolic=95).get_json()["alerts"] == []
    plan = enrol(client, doctor, account["patient_id"]).get_json()
    assert measure(client, patient, code="blood-pressure", systolic=132, diastolic=84).get_json()["alerts"] == []
    high = measure(client, patient, code="blood-pressure", systolic=150, diastolic=95).get_json()
    frozen.advance(minutes=30)
    assert [(a["rule_id"], a["severity"]) for a in high["alerts"]] == [("bp.systolic_high", "high")]
    urgent = measure(client, patient, code="blood-pressure", systolic=170, diastolic=112).get_json()
    assert [(a["rule_id"], a["severity"]) for a in urgent["alerts"]] == [("bp.diastolic_urgent", "urgent")]
    assert "112" in urgent["alerts"][0]["reason"] and urgent["alerts"][0]["plan_id"] == plan["id"]
    obs = client.get(f"/fhir/{urgent['fhir']}", headers={**patient, **FHIR}).get_json()
    assert obs["interpretation"][0]["coding"][0]["code"] == "HH"

    inbox = client.get("/api/v1/notifications", headers=doctor).get_json()["items"]
    told = [n for n in inbox if n["kind"] == "measurement_alert"]
    assert [n["data"]["rule_id"] for n in told] == ["bp.diastolic_urgent", "bp.systolic_high"]
    open_ = client.get("/api/v1/measurements/alerts?status=open", headers=doctor).get_json()["items"]
    assert [a["rule_id"] for a in open_] == ["bp.diastolic_urgent", "bp.systolic_high"]
    assert client.get("/api/v1/measurements/alerts", headers=patient).status_code == 403
    closed = client.post(f"/api/v1/measurements/alerts/{open_[0]['id']}/close", headers=doctor,
                         json={"note": "called the patient, amlodipine raised"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    left = client.get("/api/v1/measurements/alerts?status=open", headers=doctor).get_json()["items"]
    assert [a["rule_id"] for a in left] == ["bp.systolic_high"]


def test_diabetes_glucose_thresholds_fire_low_and_high(client, team):
    _, _, doctor, account, patient = team
    enrol(client, doctor, account["patient_id"], template="diabetes")
    low = measure(client, patient, code="glucose", value=3.2).get_json()["alerts"]
    high = measure(client, patient, code="glucose", value=11.4).get_json()["alerts"]
    assert [a["rule_id"] for a in low] == ["glucose.hypo"] and [a["rule_id"] for a in high] == ["glucose.high"]


def test_trends_and_summary(client, team, world, frozen):
    institution_id, _, doctor, account, patient = team
    start = datetime(2026, 2, 1, 0, tzinfo=timezone.utc)
    for day, (sys_, dia) in enumerate([(150, 96), (142, 90), (136, 86), (130, 80)]):
        measure(client, patient, code="blood-pressure", systolic=sys_, diastolic=dia,
                measured_at=(start + timedelta(days=7 * day)).isoformat())
    measure(client, patient, code="weight", value=80.5, measured_at=start.isoformat())
    since = (start + timedelta(days=10)).isoformat().replace("+00:00", "Z")
    trend = client.get(f"/api/v1/measurements?code=blood-pressure&since={since}", headers=patient).get_json()
    assert [r["values"]["systolic"] for r in trend["items"]] == [130, 136]
    summary = client.get("/api/v1/measurements/summary", headers=doctor,
                         query_string={"patient_id": account["patient_id"]}).get_json()
    bp = next(c for c in summary["codes"] if c["code"] == "blood-pressure")
    assert bp["count"] == 4 and bp["last"] == {"systolic": 130, "diastolic": 80}
    assert bp["avg"] == {"systolic": 139.5, "diastolic": 88.0} and bp["max"]["systolic"] == 150
    assert [c["code"] for c in summary["codes"]] == ["blood-pressure", "weight"]
    _, stranger = world.doctor([institution_id])
    r = client.get("/api/v1/measurements/summary", headers=stranger, query_string={"patient_id": account["patient_id"]})
    assert r.status_code == 403
