"""Data for bench/http_bench.py, written in-process before the servers start: admin tokens, FHIR patient
histories (through the records bulk API, audited like any write), and a booking world of many patients,
each with a private lane of single-place slots (at most CLINIC_MAX_APPOINTMENTS_PER_DAY a day, so the
production policy needs no bench override)."""
import os
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOKINGS_PER_DAY = 3  # the default CLINIC_MAX_APPOINTMENTS_PER_DAY
BOOKING_DAYS = 13  # within the default 14-day horizon


def _app(env):
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from cloud_hospital.app import create_app

    # Cheap password hashes for the seeded accounts (they never log in: their tokens are issued here).
    return create_app({"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024})


def seed(env, patients, admins, tokens_per_admin, booking_patients):
    """Write everything; returns {"admin_tokens", "patient_ids", "families", "booking": [(token, [slot ids])]}."""
    from core import accounts, auth
    from core.extensions import db

    app = _app(env)
    with app.app_context():
        tokens = []
        for i in range(admins):
            user = accounts.create_staff("admin", f"bench-admin-{i}", "benchpass-123", f"Bench Admin {i}")
            tokens += [auth.issue_token(user)[0] for _ in range(tokens_per_admin)]
        db.session.commit()
        patient_ids, families = _fhir_histories(patients)
        booking = _booking_world(booking_patients)
        db.engine.dispose()
    return {"admin_tokens": tokens, "patient_ids": patient_ids, "families": families, "booking": booking}


def _fhir_histories(patients, batch=500):
    """`patients` synthetic patients with ~20 resources each (seeds.fhir_generator, seed 1)."""
    from core.auth import SYSTEM
    from core.extensions import db
    from records import api as records_api
    from seeds import fhir_generator

    patient_ids, families, chunk = [], set(), []
    for n in range(patients):
        for resource in fhir_generator.patient_history(1, n):
            if resource["resourceType"] == "Patient":
                patient_ids.append(resource["id"])
                families.add(resource["name"][0]["family"])
            chunk.append(resource)
        if len(chunk) >= batch or n == patients - 1:
            records_api.upsert_many(SYSTEM, chunk)
            db.session.commit()
            chunk = []
    return patient_ids, sorted(families)


def _booking_world(patients):
    """One institution; per patient a doctor with BOOKING_DAYS x BOOKINGS_PER_DAY slots (FHIR Slot views
    written as schedule expansion writes them) and a bearer token: [(token, [slot ids in booking order])]."""
    from flask import current_app

    from bench.booking_bench import _sync_fhir_slots
    from clinic.directory import services as directory
    from clinic.scheduling import Slot
    from core import accounts, auth, clock
    from core.extensions import db
    from core.identity import make_id_number
    from core.types import new_id

    inst = directory.save_institution({"code": "HTTPBENCH", "name": "HTTP Bench Clinic", "kind": "primary"})
    first = clock.now().replace(hour=1, minute=0, second=0, microsecond=0) + timedelta(days=1)  # 09:00 Shanghai
    lanes, world = [], []
    for i in range(patients):
        doctor = directory.save_doctor({"practitioner_id": f"httpbench-{i}", "name": f"Bench Dr {i}",
                                        "specialties": ["general_medicine"], "institution_ids": [inst.id]})
        starts = [first + timedelta(days=k // BOOKINGS_PER_DAY, hours=k % BOOKINGS_PER_DAY)
                  for k in range(BOOKING_DAYS * BOOKINGS_PER_DAY)]
        rows = [{"id": new_id(), "doctor_id": doctor.id, "institution_id": inst.id, "kind": "in_person",
                 "session": "morning", "local_date": start.date(), "starts_at": start,
                 "ends_at": start + timedelta(minutes=15), "capacity": 1, "booked": 0, "held": 0,
                 "status": "open", "flagged": False} for start in starts]
        db.session.execute(Slot.__table__.insert(), rows)
        lanes.append([row["id"] for row in rows])
    _sync_fhir_slots(current_app, lanes)
    for i, lane in enumerate(lanes):
        user = accounts.register_patient(f"Bench Booker {i}", make_id_number("330203", date(1985, 1, 1), i + 1),
                                         f"136{i:08d}", "benchpass1")
        world.append((auth.issue_token(user)[0], lane))
    db.session.commit()
    return world
