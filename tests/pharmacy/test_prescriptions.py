"""Issuing and verifying signed prescriptions: the gate, the signature, tampering, key rotation."""
import base64

import pytest
from sqlalchemy import select, text, update

from core.errors import ApiError
from core.extensions import db
from pharmacy import hooks, services, signing
from pharmacy.models import Prescription, SigningKey
from tests.pharmacy.conftest import AMLODIPINE

MORPHINE = {**AMLODIPINE, "code": "N02AA01"}


def test_the_default_resolver_refuses_every_consultation(client, accounts):
    _, doctor = accounts.staff("doctor", "dr.nobody", practitioner_id="prac-1")
    r = client.post("/api/v1/prescriptions", json={"consultation_id": "c-1", "items": [AMLODIPINE]}, headers=doctor)
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_consultation"


def test_only_the_treating_doctor_prescribes(world):
    patient_id, _ = world.patient()
    other = world.doctor("prac-2")
    body = world.prescribe(other, patient_id, practitioner_id="prac-1", expect=403)
    assert body["code"] == "not_treating_doctor"


def test_a_restricted_drug_is_refused_with_reasons(world):
    patient_id, _ = world.patient()
    body = world.prescribe(world.doctor(), patient_id, [AMLODIPINE, MORPHINE], expect=422)
    assert body["code"] == "prescription_refused" and body["decision"] == "deny"
    assert [(r["code"], r["restricted_class"]) for r in body["reasons"]] == [("N02AA01", "narcotic")]


def test_restricted_drugs_are_refused_even_when_the_installed_check_allows(world):
    previous = hooks.installed("prescribe_check")
    services.set_prescribe_check(lambda actor, patient_id, items, context: {"decision": "allow", "reasons": [],
                                                                   "ruleset_version": "lenient"})
    try:
        patient_id, _ = world.patient()
        precursor = {**AMLODIPINE, "code": "R01BA02"}
        assert world.prescribe(world.doctor(), patient_id, [precursor], expect=422)["reasons"][0][
            "restricted_class"] == "precursor"
    finally:
        services.set_prescribe_check(previous)


def test_the_installed_prescribe_check_decides(world):
    seen = []

    def check(actor, patient_id, items, context):
        seen.append((patient_id, [i["code"] for i in items]))
        return {"decision": "refer_offline", "reasons": [{"rule_id": "visit.condition_changed"}],
                "ruleset_version": "2026.2"}

    previous = hooks.installed("prescribe_check")
    services.set_prescribe_check(check)
    try:
        patient_id, _ = world.patient()
        body = world.prescribe(world.doctor(), patient_id, expect=422)
        assert body["decision"] == "refer_offline" and body["ruleset_version"] == "2026.2"
        assert seen == [(patient_id, ["C08CA01"])]
    finally:
        services.set_prescribe_check(previous)


def test_an_unknown_code_is_refused(world):
    patient_id, _ = world.patient()
    body = world.prescribe(world.doctor(), patient_id, [{**AMLODIPINE, "code": "X99XX99"}], expect=422)
    assert body["reasons"][0]["rule_id"] == "pharmacy.unknown_medication"


def test_the_signature_verifies_and_names_the_signer(client, world):
    patient_id, patient = world.patient()
    issued = world.prescribe(world.doctor(), patient_id)
    r = client.get(f"/api/v1/prescriptions/{issued['id']}/verify", headers=patient)
    body = r.get_json()
    assert r.status_code == 200 and body["valid"] is True
    assert body["key_id"] == issued["signature"]["key_id"] and body["signer"]["practitioner_id"] == "prac-1"
    assert body["public_key"].startswith("-----BEGIN PUBLIC KEY-----")


def _tamper(app, prescription_id, sql):
    with app.app_context():
        db.session.execute(text(sql), {"id": prescription_id})
        db.session.commit()


def test_any_tampered_field_fails_verification(app, client, world):
    patient_id, patient = world.patient()
    changes = [
        "UPDATE prescription_items SET quantity = quantity + 1 WHERE prescription_id = :id",
        "UPDATE prescription_items SET dose = '50 mg' WHERE prescription_id = :id",
        "UPDATE prescriptions SET practitioner_id = 'prac-1x' WHERE id = :id",
        "UPDATE prescriptions SET consultation_id = 'other' WHERE id = :id",
    ]
    doctor = world.doctor()
    for sql in changes:
        issued = world.prescribe(doctor, patient_id)
        url = f"/api/v1/prescriptions/{issued['id']}/verify"
        assert client.get(url, headers=patient).get_json()["valid"] is True
        _tamper(app, issued["id"], sql)
        assert client.get(url, headers=patient).get_json()["valid"] is False, sql


def test_old_prescriptions_verify_after_key_rotation(app, client, world):
    patient_id, patient = world.patient()
    doctor = world.doctor()
    first = world.prescribe(doctor, patient_id)
    with app.app_context():
        signing.rotate_key("prac-1")
        db.session.commit()
    second = world.prescribe(doctor, patient_id)
    assert first["signature"]["key_id"] != second["signature"]["key_id"]
    for issued in (first, second):
        assert client.get(f"/api/v1/prescriptions/{issued['id']}/verify", headers=patient).get_json()["valid"]
    with app.app_context():
        keys = db.session.scalars(select(SigningKey).where(SigningKey.practitioner_id == "prac-1")).all()
        assert len(keys) == 2 and sum(k.retired_at is None for k in keys) == 1


def test_the_private_key_is_stored_encrypted_and_bound_to_its_doctor(app, world):
    patient_id, _ = world.patient()
    world.prescribe(world.doctor(), patient_id)
    with app.app_context():
        row = db.session.scalars(select(SigningKey)).one()
        private = signing._private_key(row)  # decrypts with the app's SECRET_KEY
        raw = private.private_bytes_raw()
        assert raw not in row.private_key_encrypted and len(row.private_key_encrypted) == 12 + 32 + 16
        row.practitioner_id = "someone-else"  # associated data no longer matches: decryption fails
        assert signing._open(row) is None
        with pytest.raises(ApiError) as refused:
            signing._private_key(row)
        assert refused.value.status == 503 and refused.value.code == "signing_key_unavailable"
        db.session.rollback()


def test_a_forged_signature_does_not_verify(app, client, world):
    patient_id, patient = world.patient()
    issued = world.prescribe(world.doctor(), patient_id)
    with app.app_context():
        db.session.execute(update(Prescription).where(Prescription.id == issued["id"])
                           .values(signature=base64.b64encode(b"\0" * 64).decode()))
        db.session.commit()
    assert client.get(f"/api/v1/prescriptions/{issued['id']}/verify", headers=patient).get_json()["valid"] is False
