"""Inspections through HTTP: a doctor orders (ServiceRequest), the patient books a place at an institution that
offers the test, the result comes back as a DiagnosticReport with flagged Observations, the doctor is told."""
from concurrent.futures import ThreadPoolExecutor

import requests

from clinic.directory import services as directory
from core.extensions import db

FHIR = {"Accept": "application/fhir+json"}


def _offer(client, admin, institution_id, test="hba1c", capacity=2):
    r = client.put("/api/v1/inspections/offers", headers=admin,
                   json={"institution_id": institution_id, "test": test, "daily_capacity": capacity})
    assert r.status_code == 200, r.get_json()


def _order(client, doctor, patient_id, test="hba1c"):
    r = client.post("/api/v1/service-requests", headers=doctor,
                    json={"patient_id": patient_id, "test": test, "reason": "diabetes follow-up"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_order_book_report_and_read(client, team, accounts, world):
    institution_id, _, doctor, account, patient = team
    _, admin = accounts.admin()
    lab = world.institution(name="Ningbo Lab")
    _offer(client, admin, lab, capacity=5)
    order = _order(client, doctor, account["patient_id"])
    assert order["status"] == "ordered"
    request = client.get(f"/fhir/{order['fhir']}", headers={**patient, **FHIR}).get_json()
    assert request["status"] == "active" and request["code"]["coding"][0]["code"] == "4548-4"

    places = client.get(f"/api/v1/service-requests/{order['id']}/places?date=2026-03-05&lat=29.9&lon=121.55",
                        headers=patient).get_json()["items"]
    assert [(p["institution_id"], p["left"]) for p in places] == [(lab, 5)]
    assert client.post(f"/api/v1/service-requests/{order['id']}/booking", headers=patient,
                       json={"institution_id": institution_id, "date": "2026-03-05"}).status_code == 422
    booked = client.post(f"/api/v1/service-requests/{order['id']}/booking", headers=patient,
                         json={"institution_id": lab, "date": "2026-03-05"})
    assert booked.status_code == 200 and booked.get_json()["booked_on"] == "2026-03-05"
    assert client.post(f"/api/v1/service-requests/{order['id']}/booking", headers=patient,
                       json={"institution_id": lab, "date": "2026-03-06"}).status_code == 409

    bad = client.post(f"/api/v1/service-requests/{order['id']}/report", headers=doctor,
                      json={"results": [{"code": "1558-6", "value": 5}]})
    assert bad.status_code == 422
    r = client.post(f"/api/v1/service-requests/{order['id']}/report", headers=doctor,
                    json={"results": [{"code": "4548-4", "value": 7.4}]})
    assert r.status_code == 200, r.get_json()
    reported = r.get_json()
    assert reported["abnormal"] is True and reported["results"][0]["flag"] == "H"
    again = client.post(f"/api/v1/service-requests/{order['id']}/report", headers=doctor,
                        json={"results": [{"code": "4548-4", "value": 7.4}]})
    assert again.status_code == 409

    mine = client.get("/api/v1/inspections", headers=patient).get_json()["items"]
    assert [(i["id"], i["results"][0]["value"]) for i in mine] == [(order["id"], 7.4)]
    report = client.get(f"/fhir/{reported['report']}", headers={**patient, **FHIR}).get_json()
    assert report["status"] == "final" and len(report["result"]) == 1
    obs = client.get(f"/fhir/{report['result'][0]['reference']}", headers={**patient, **FHIR}).get_json()
    assert obs["interpretation"][0]["coding"][0]["code"] == "H" and obs["referenceRange"][0]["high"]["value"] == 6.0
    found = client.get(f"/fhir/DiagnosticReport?patient={account['patient_id']}", headers={**patient, **FHIR})
    assert [e["resource"]["id"] for e in found.get_json()["entry"]] == [report["id"]]
    assert client.get(f"/fhir/{order['fhir']}", headers={**patient, **FHIR}).get_json()["status"] == "completed"
    told = [n for n in client.get("/api/v1/notifications", headers=doctor).get_json()["items"]
            if n["kind"] == "inspection_result"]
    assert told and told[0]["data"]["abnormal"] is True and "(abnormal)" in told[0]["title"]


def test_a_lipid_panel_flags_each_value_and_an_exam_needs_a_conclusion(client, team):
    _, _, doctor, account, patient = team
    order = _order(client, doctor, account["patient_id"], "lipid-panel")
    r = client.post(f"/api/v1/service-requests/{order['id']}/report", headers=doctor, json={"results": [
        {"code": "14647-2", "value": 4.8}, {"code": "14927-8", "value": 2.3}, {"code": "14646-4", "value": 0.8},
        {"code": "22748-8", "value": 3.0}]})
    assert [x["flag"] for x in r.get_json()["results"]] == ["N", "H", "L", "N"]
    ecg = _order(client, doctor, account["patient_id"], "ecg")
    url = f"/api/v1/service-requests/{ecg['id']}/report"
    assert client.post(url, headers=doctor, json={}).status_code == 422
    done = client.post(url, headers=doctor, json={"conclusion": "Sinus rhythm, normal ECG"}).get_json()
    assert done["abnormal"] is False and done["conclusion"] == "Sinus rhythm, normal ECG"


def test_only_the_care_team_orders_and_strangers_see_nothing(client, team, world, accounts):
    institution_id, _, doctor, account, patient = team
    _, stranger = world.doctor([institution_id])
    r = client.post("/api/v1/service-requests", headers=stranger, json={"patient_id": account["patient_id"],
                                                                       "test": "hba1c"})
    assert r.status_code == 403
    order = _order(client, doctor, account["patient_id"])
    assert client.get(f"/api/v1/service-requests/{order['id']}", headers=stranger).status_code == 404
    _, other = accounts.patient(name="Zhao Min")
    assert client.get(f"/api/v1/service-requests/{order['id']}", headers=other).status_code == 404
    assert client.post(f"/api/v1/service-requests/{order['id']}/report", headers=stranger,
                       json={"results": [{"code": "4548-4", "value": 5}]}).status_code == 404
    assert client.get("/api/v1/inspections", headers=other).get_json()["items"] == []


def test_a_full_day_refuses_the_last_booking_under_concurrency(app, client, team, accounts, world, live_server):
    """Two patients race for the last place of a day over a live server: exactly one gets it."""
    _, doctor_id, doctor, _, _ = team
    _, admin = accounts.admin()
    lab = world.institution()
    _offer(client, admin, lab, capacity=1)
    orders = []
    for name in ("Chen Jing", "Liu Yang"):
        account, headers = accounts.patient(name=name)
        with app.app_context():
            directory.bind_family_doctor(account["patient_id"], doctor_id)
            db.session.commit()
        orders.append((_order(client, doctor, account["patient_id"]), headers))

    def book(pair):
        order, headers = pair
        return requests.post(f"{live_server.url}/api/v1/service-requests/{order['id']}/booking", headers=headers,
                             json={"institution_id": lab, "date": "2026-03-09"}, timeout=30)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(book, orders))
    assert sorted(a.status_code for a in answers) == [200, 409]
    assert [a.json()["code"] for a in answers if a.status_code == 409] == ["day_full"]
    places = client.get(f"/api/v1/service-requests/{orders[0][0]['id']}/places?date=2026-03-09",
                        headers=orders[0][1]).get_json()["items"]
    assert places == [{**places[0], "left": 0}]
