"""The pull feed: every step of a prescription chain is an entry written with its change, one trace per chain
with its own sequence, read in order from any cursor; a refused change reports nothing (or its refusal)."""
from tests.compliance.conftest import next_cursor, read_feed, whole_feed


def _delivered_chain(world):
    world.pharmacy("shop", stock={"C08CA01": 100})
    pharmacist = world.pharmacist("shop")
    patient_id, patient = world.patient()
    prescription_id = world.approved(patient_id)
    order = world.order(patient, prescription_id, mode="delivery")
    for action in ("accept", "prepared", "out-for-delivery", "delivered"):
        assert world.act(pharmacist, order["order_id"], action).status_code == 200
    return patient_id, prescription_id


def test_a_prescription_chain_is_one_trace_in_order(client, world, regulator):
    patient_id, prescription_id = _delivered_chain(world)
    entries = whole_feed(client, regulator)
    chain = [e for e in entries if e["trace_id"] == f"rx-{prescription_id}"]
    assert [e["kind"] for e in chain] == ["prescription.signed", "prescription.approved",
                                         "prescription.dispensed", "prescription.delivered"]
    assert [e["trace_seq"] for e in chain] == [1, 2, 3, 4]
    assert all(e["patient"] == f"Patient/{patient_id}" for e in chain)
    assert chain[0]["payload"]["signature"] and chain[0]["payload"]["items"][0]["code"] == "C08CA01"
    assert chain[1]["actor"]["role"] == "pharmacist"
    positions = [e["position"] for e in entries]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)


def test_resuming_from_any_cursor_gives_the_rest_exactly(client, world, regulator):
    _delivered_chain(world)
    everything = whole_feed(client, regulator)
    first = read_feed(client, regulator, limit=2)
    rest = read_feed(client, regulator, next_cursor(first), limit=100)
    assert first["items"] + rest["items"] == everything
    again = read_feed(client, regulator, next_cursor(first), limit=100)
    assert again == rest  # a cursor is a position: asking twice answers the same
    end = read_feed(client, regulator, next_cursor(rest))
    assert end["items"] == [] and next_cursor(end) == next_cursor(rest)


def test_a_rejection_and_a_refused_prescription(client, world, regulator):
    patient_id, _ = world.patient()
    doctor = world.doctor()
    body = world.prescribe(doctor, patient_id)
    world.override_flags(body["id"])
    r = client.post(f"/api/v1/prescriptions/{body['id']}/review", json={"decision": "reject", "reason": "dose"},
                    headers=world.reviewer)
    assert r.status_code == 200
    world.prescribe(doctor, patient_id, items=({"code": "N02AA01", "dose": "10 mg", "frequency": "once daily",
                                                "route": "oral", "quantity": 10, "days_supply": 10},), expect=422)
    kinds = [(e["kind"], e["trace_id"]) for e in whole_feed(client, regulator)]
    assert kinds == [("prescription.signed", f"rx-{body['id']}"), ("prescription.rejected", f"rx-{body['id']}")]


def test_bad_cursor_is_a_422_and_only_regulator_and_admin_read(client, world, regulator, accounts):
    assert client.get("/api/v1/supervision/feed?cursor=nonsense", headers=regulator).status_code == 422
    assert client.get("/api/v1/supervision/feed", headers=world.reviewer).status_code == 403
    assert client.get("/api/v1/supervision/feed", headers=world.admin).status_code == 200
    assert client.get("/api/v1/supervision/feed").status_code == 401
    assert client.get("/api/v1/doctors", headers=regulator).status_code == 403  # nothing else


def test_an_admin_creates_a_regulator_account_that_reads_the_feed(client, world, accounts):
    r = client.post("/api/v1/admin/users", headers=world.admin, json={
        "role": "regulator", "username": "zj-supervision", "password": "regulator-pass-1", "name": "Zhejiang platform"})
    assert r.status_code == 201, r.get_json()
    headers = accounts.login("zj-supervision", "regulator-pass-1")
    assert client.get("/api/v1/supervision/feed", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 403
    world.patient()
    fhir = client.get("/fhir/Patient", headers=headers)
    assert fhir.status_code in (200, 403) and not fhir.get_json().get("entry")  # no relationship: no records


def test_what_a_rolled_back_savepoint_reported_is_forgotten_but_a_refusal(app, client, regulator):
    """core.idempotency runs a view in a savepoint and commits the key when the view fails: the failed view's
    events must not reach the feed, its decided refusals must."""
    from core import reporting
    from core.extensions import db

    with app.app_context():
        db.session.connection()
        try:
            with db.session.begin_nested():
                reporting.report("prescription.signed", "Prescription/x", "rx-x")
                reporting.report("risk_control.refused", "RiskDecision/y", "risk-y", durable=True)
                with db.session.begin_nested():
                    reporting.report("prescription.approved", "Prescription/x", "rx-x")
                raise RuntimeError("the view failed")
        except RuntimeError:
            pass
        reporting.report("consultation.started", "Consultation/z", "consult-z")
        db.session.commit()
    assert [e["kind"] for e in whole_feed(client, regulator)] == ["risk_control.refused", "consultation.started"]
