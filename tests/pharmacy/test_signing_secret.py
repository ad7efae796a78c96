"""Changing SECRET_KEY does not break prescribing: previous keys in SECRET_KEY_FALLBACKS still open the doctors'
signing keys, which are sealed again under the new one; without them, a clear 503, never a 500."""
from contextlib import contextmanager

from sqlalchemy import func, select

from core.extensions import db
from pharmacy import signing
from pharmacy.models import Prescription, SigningKey

OLD, NEW = "old-secret-" + "x" * 32, "new-secret-" + "y" * 32


@contextmanager
def _secrets(app, current, fallbacks=()):
    previous = app.config["SECRET_KEY"], app.config.get("SECRET_KEY_FALLBACKS")
    app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = current, list(fallbacks)
    try:
        yield
    finally:
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = previous


def _sealed_by(app, practitioner_id):
    """Which of OLD / NEW opens the doctor's active key, as the app sees it now."""
    with app.app_context():
        row = db.session.scalar(select(SigningKey).where(SigningKey.practitioner_id == practitioner_id,
                                                         SigningKey.retired_at.is_(None)))
        for secret in (OLD, NEW):
            with _secrets(app, secret):
                if signing._open(row) is not None:
                    return secret
    return None


def _verify(world, headers, prescription_id):
    return world.client.get(f"/api/v1/prescriptions/{prescription_id}/verify", headers=headers).get_json()["valid"]


def test_a_previous_secret_in_the_fallbacks_keeps_prescribing_and_reseals_the_key(app, world):
    patient_id, patient = world.patient()
    doctor = world.doctor("prac-rot")
    with _secrets(app, OLD):
        first = world.prescribe(doctor, patient_id, practitioner_id="prac-rot")
    assert _sealed_by(app, "prac-rot") == OLD
    with _secrets(app, NEW, [OLD]):
        second = world.prescribe(doctor, patient_id, practitioner_id="prac-rot")
    assert _sealed_by(app, "prac-rot") == NEW  # sealed again on use
    with _secrets(app, NEW):  # the fallback is no longer needed
        world.prescribe(doctor, patient_id, practitioner_id="prac-rot")
        assert _verify(world, patient, first["id"]) and _verify(world, patient, second["id"])


def test_without_the_previous_secret_prescribing_is_a_clear_503_and_stores_nothing(app, world):
    patient_id, _ = world.patient()
    doctor = world.doctor("prac-lost")
    with _secrets(app, OLD):
        world.prescribe(doctor, patient_id, practitioner_id="prac-lost")
    with _secrets(app, NEW):
        cid = world.consultation(patient_id, "prac-lost")
        r = world.client.post("/api/v1/prescriptions", headers=doctor,
                              json={"consultation_id": cid, "items": [{"code": "C08CA01", "dose": "5 mg",
                                    "frequency": "once daily", "route": "oral", "quantity": 28, "days_supply": 28}]})
    assert r.status_code == 503 and r.get_json()["code"] == "signing_key_unavailable"
    assert "rewrap-signing-keys" in r.get_json()["detail"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Prescription)
                                 .where(Prescription.consultation_id == cid)) == 0
    assert _sealed_by(app, "prac-lost") == OLD  # not replaced behind anyone's back


def test_the_rewrap_command_reseals_every_key_and_names_those_it_cannot_open(app, runner, world):
    patient_id, _ = world.patient()
    for practitioner_id in ("prac-a", "prac-b"):
        with _secrets(app, OLD):
            world.prescribe(world.doctor(practitioner_id), patient_id, practitioner_id=practitioner_id)
    with _secrets(app, NEW, [OLD]):
        result = runner.invoke(args=["pharmacy", "rewrap-signing-keys"])
    assert result.exit_code == 0, result.output
    assert _sealed_by(app, "prac-a") == _sealed_by(app, "prac-b") == NEW
    with _secrets(app, "a-third-secret-" + "z" * 32):
        result = runner.invoke(args=["pharmacy", "rewrap-signing-keys"])
    assert result.exit_code == 1
    with app.app_context():
        key_a = db.session.scalar(select(SigningKey.key_id).where(SigningKey.practitioner_id == "prac-a"))
    assert key_a in result.output
