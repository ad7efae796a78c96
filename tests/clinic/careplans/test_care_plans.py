"""Care plans through HTTP: enrolment from a template (and its CarePlan view), the proposed visits and their
invitations, the eligibility re-check before an online follow-up, adherence."""
from datetime import date, datetime, timedelta, timezone

from core.scheduler import run_job
from tests.clinic.careplans.conftest import enrol, measure

FHIR = {"Accept": "application/fhir+json"}


def test_a_doctor_enrols_a_patient_in_a_hypertension_plan(client, team):
    _, doctor_id, doctor, account, patient = team
    r = enrol(client, doctor, account["patient_id"])
    assert r.status_code == 201, r.get_json()
    plan = r.get_json()
    assert plan["status"] == "active" and plan["doctor_id"] == doctor_id and plan["visit_every_days"] == 28
    assert plan["measurements"] == {"blood-pressure": 2}
    assert {t["id"] for t in plan["thresholds"]} >= {"bp.systolic_high", "bp.systolic_urgent"}
    assert plan["started_on"] == "2026-03-02" and plan["next_visit"]["due_on"] == "2026-03-30"

    view = client.get(f"/fhir/{plan['fhir']}", headers={**patient, **FHIR})
    assert view.status_code == 200
    care_plan = view.get_json()
    assert care_plan["status"] == "active" and care_plan["subject"]["reference"] == f"Patient/{account['patient_id']}"
    assert care_plan["activity"][0]["detail"]["scheduledTiming"]["repeat"]["period"] == 28
    found = client.get(f"/fhir/CarePlan?patient={account['patient_id']}", headers={**patient, **FHIR}).get_json()
    assert [e["resource"]["id"] for e in found["entry"]] == [care_plan["id"]]
    everything = client.get(f"/fhir/Patient/{account['patient_id']}/$everything", headers={**patient, **FHIR})
    assert care_plan["id"] in {e["resource"]["id"] for e in everything.get_json()["entry"]}

    assert enrol(client, doctor, account["patient_id"]).get_json()["code"] == "plan_exists"
    mine = client.get("/api/v1/care-plans", headers=patient).get_json()["items"]
    assert [p["id"] for p in mine] == [plan["id"]]
    inbox = client.get("/api/v1/notifications", headers=patient).get_json()["items"]
    assert inbox[0]["kind"] == "care_plan_enrolled"


def test_only_a_doctor_caring_for_the_patient_enrols_and_sees_the_plan(client, team, world, accounts):
    institution_id, _, doctor, account, patient = team
    _, stranger = world.doctor([institution_id])
    r = enrol(client, stranger, account["patient_id"])
    assert r.status_code == 403
    plan = enrol(client, doctor, account["patient_id"]).get_json()
    assert client.get(f"/api/v1/care-plans/{plan['id']}", headers=stranger).status_code == 404
    _, other_patient = accounts.patient(name="Wang Fang")
    assert client.get(f"/api/v1/care-plans/{plan['id']}", headers=other_patient).status_code == 404
    assert client.post("/api/v1/care-plans", headers=patient, json={"patient_id": account["patient_id"],
                                                                   "template": "diabetes"}).status_code == 403
    bad = enrol(client, doctor, account["patient_id"], template="asthma")
    assert bad.status_code == 422
    r = client.post(f"/fhir/CarePlan", headers={**patient, **FHIR, "Content-Type": "application/fhir+json"},
                    json={"resourceType": "CarePlan", "id": "careplan-x", "status": "active", "intent": "plan",
                          "subject": {"reference": f"Patient/{account['patient_id']}"}})
    assert r.status_code in (400, 403)


def test_the_invitation_sweep_invites_once_with_the_due_date(app, client, team, frozen, accounts):
    _, _, doctor, account, patient = team
    plan = enrol(client, doctor, account["patient_id"]).get_json()
    assert run_job(app, "clinic.care_plan_invitations") == 0  # due 30 March: not yet within 7 days
    frozen.advance(days=22)  # 24 March
    assert run_job(app, "clinic.care_plan_invitations") == 1
    assert run_job(app, "clinic.care_plan_invitations") == 0  # twice: invited once
    patient = accounts.login(account["phone"], account["password"])  # the old token has expired
    inbox = client.get("/api/v1/notifications", headers=patient).get_json()["items"]
    invite = next(n for n in inbox if n["kind"] == "care_plan_visit_due")
    assert invite["data"]["due_on"] == "2026-03-30" and invite["data"]["care_plan_id"] == plan["id"]
    assert invite["data"]["mode"] in ("online", "in_person")
    detail = client.get(f"/api/v1/care-plans/{plan['id']}", headers=patient).get_json()
    assert detail["next_visit"]["invited_at"] is not None and detail["next_visit"]["rechecked_at"] is not None


def test_an_urgent_reading_sends_the_next_follow_up_in_person(client, team):
    _, _, doctor, account, patient = team
    plan = enrol(client, doctor, account["patient_id"]).get_json()
    before = client.post(f"/api/v1/care-plans/{plan['id']}/recheck", headers=patient)
    assert before.status_code == 200, before.get_json()
    assert "care_plan.condition_changed" not in {r["rule_id"] for r in before.get_json()["recheck_reasons"]}
    assert measure(client, patient, code="blood-pressure", systolic=186, diastolic=104).status_code == 201
    after = client.post(f"/api/v1/care-plans/{plan['id']}/recheck", headers=doctor).get_json()
    assert after["mode"] == "in_person" and after["recheck_decision"] == "refer_offline"
    assert after["recheck_reasons"][0]["rule_id"] == "care_plan.condition_changed"


def test_adherence_counts_missed_visits_and_weeks_without_readings(client, team, frozen):
    _, _, doctor, account, patient = team
    started = date(2026, 1, 5)  # 8 weeks before the clock's Monday
    plan = enrol(client, doctor, account["patient_id"], started_on=started.isoformat()).get_json()
    for week in (0, 1, 2, 3, 4):  # weeks 5 to 7 without readings; week 4 with only one
        for day in ((1, 4) if week < 4 else (1,)):
            at = datetime(2026, 1, 5, 1, tzinfo=timezone.utc) + timedelta(days=7 * week + day)
            r = measure(client, patient, code="blood-pressure", systolic=128, diastolic=82,
                        measured_at=at.isoformat(), method="device-automatic", device="Omron HEM-7121")
            assert r.status_code == 201, r.get_json()
    answer = client.get(f"/api/v1/care-plans/{plan['id']}/adherence", headers=doctor).get_json()
    assert [(v["number"], v["due_on"], v["state"]) for v in answer["visits"]] == [
        (1, "2026-02-02", "missed"), (2, "2026-03-02", "due")]
    assert answer["visits_missed"] == 1 and answer["adherent"] is False
    bp = answer["measurements"][0]
    assert (bp["weeks"], bp["expected"], bp["received"], bp["weeks_short"]) == (8, 16, 9, 4)
    assert client.get(f"/api/v1/care-plans/{plan['id']}/adherence", headers=patient).status_code == 200


def test_the_doctor_ends_a_plan_and_its_view_follows(client, team):
    _, _, doctor, account, patient = team
    plan = enrol(client, doctor, account["patient_id"]).get_json()
    assert client.post(f"/api/v1/care-plans/{plan['id']}/end", headers=patient, json={}).status_code == 403
    r = client.post(f"/api/v1/care-plans/{plan['id']}/end", headers=doctor, json={"status": "completed"})
    assert r.status_code == 200 and r.get_json()["status"] == "completed"
    assert client.post(f"/api/v1/care-plans/{plan['id']}/end", headers=doctor, json={}).status_code == 409
    view = client.get(f"/fhir/{plan['fhir']}", headers={**patient, **FHIR}).get_json()
    assert view["status"] == "completed"
    assert enrol(client, doctor, account["patient_id"]).status_code == 201  # a new plan may start


def test_reading_a_plan_writes_no_visit_and_proposers_store_each_visit_once(app, client, team, frozen):
    """GET of a plan and of its adherence plan the next visits without storing them (two readers at once once
    clashed on the (plan, number) key); the re-check stores them, and proposing again stores nothing twice."""
    from sqlalchemy import delete, func, select

    from clinic.careplans import services
    from clinic.careplans.models import CarePlan, CarePlanVisit
    from core.extensions import db

    _, _, doctor, account, patient = team
    plan = enrol(client, doctor, account["patient_id"], started_on="2026-01-05").get_json()

    def stored():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(CarePlanVisit)
                                     .where(CarePlanVisit.plan_id == plan["id"]))

    with app.app_context():  # as if the sweep had not run since the first visit
        db.session.execute(delete(CarePlanVisit).where(CarePlanVisit.plan_id == plan["id"], CarePlanVisit.number > 1))
        db.session.commit()
    assert stored() == 1
    detail = client.get(f"/api/v1/care-plans/{plan['id']}", headers=patient).get_json()
    assert detail["next_visit"]["due_on"] == "2026-03-02"
    visits = client.get(f"/api/v1/care-plans/{plan['id']}/adherence", headers=doctor).get_json()["visits"]
    assert [v["due_on"] for v in visits] == ["2026-02-02", "2026-03-02"] and stored() == 1

    checked = client.post(f"/api/v1/care-plans/{plan['id']}/recheck", headers=doctor)
    assert checked.status_code == 200 and checked.get_json()["due_on"] == "2026-03-02"
    after = stored()
    assert after > 1
    with app.app_context():
        row = db.session.get(CarePlan, plan["id"])
        assert [v.number for v in services.propose_visits(row)] == list(range(1, after + 1))
        db.session.commit()
    assert stored() == after
