"""Data for bench/load.py, written straight through the services: a clinic with doctors (accounts
linked), a "today" slot per doctor for the arrival flow (book, check in, call, finish), a private lane
of future slots per virtual user, patients with observations, pharmacies with pharmacists and stock,
and active consultations for the chat pairs (bench.socket_bench.seed). Returns plain data (tokens and
ids) that the client processes can be given."""
from datetime import date, timedelta

MEDICATIONS = ["C08CA01", "A10BA02", "C09AA02", "C10AA05"]
NINGBO = (29.8683, 121.5440)
ALL_WEEK = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _slot(doctor_id, institution_id, starts_at, minutes, capacity):
    from clinic.scheduling import Slot

    return Slot(doctor_id=doctor_id, institution_id=institution_id, kind="in_person", session="morning",
                local_date=starts_at.date(), starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes),
                capacity=capacity, booked=0, held=0, status="open")


def seed(app, users, doctors, lane, pharmacies, chat_pairs):
    """Everything the load needs; returns a dict of tokens and ids."""
    from bench.socket_bench import seed as seed_consultations
    from clinic.directory import services as directory
    from core import accounts, auth, clock
    from core.auth import SYSTEM
    from core.extensions import db
    from core.identity import make_id_number
    from pharmacy import pharmacies as pharmacy_service
    from pharmacy import stock
    from records import api as records

    chats = seed_consultations(app, chat_pairs)  # first: it clears access tokens
    now = clock.now()
    with app.app_context():
        inst = directory.save_institution({"code": "LOAD", "name": "Load Clinic", "kind": "primary"})
        clinic_doctors, today_slots = [], []
        for d in range(doctors):
            doctor = directory.save_doctor({"practitioner_id": f"load-dr-{d}", "name": f"Dr Load {d}",
                                            "specialties": ["general_medicine"], "institution_ids": [inst.id]})
            user = accounts.create_staff("doctor", f"load.dr{d}", "loadpass12", f"Dr Load {d}",
                                         practitioner_id=f"load-dr-{d}")
            clinic_doctors.append((doctor.id, auth.issue_token(user)[0]))
            # Starts in 40 minutes: check-in (opens 60 minutes before) is open for the whole run.
            today = _slot(doctor.id, inst.id, now.replace(second=0, microsecond=0) + timedelta(minutes=40), 15,
                          1_000_000)
            db.session.add(today)
            today_slots.append(today)
        start = now.replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        people, lanes = [], []
        for u in range(users):
            lane_doctor = directory.save_doctor({"practitioner_id": f"load-lane-{u}", "name": f"Dr Lane {u}",
                                                 "specialties": ["general_medicine"], "institution_ids": [inst.id]})
            rows = [_slot(lane_doctor.id, inst.id, start + timedelta(minutes=15 * k), 15, 1) for k in range(lane)]
            db.session.add_all(rows)
            user = accounts.register_patient(f"Load {u}", make_id_number("330203", date(1975, 6, 1), u + 1),
                                             f"135{u:08d}", "loadpass12")
            for n in range(3):
                records.create(SYSTEM, {
                    "resourceType": "Observation", "status": "final", "subject": {"reference": f"Patient/{user.patient_id}"},
                    "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                    "effectiveDateTime": (now - timedelta(days=n)).isoformat(),
                    "valueQuantity": {"value": 120 + n, "unit": "mmHg", "system": "http://unitsofmeasure.org",
                                      "code": "mm[Hg]"}})
            people.append((user.patient_id, auth.issue_token(user)[0]))
            lanes.append(rows)
        stores = []
        for p in range(pharmacies):
            pharmacy = pharmacy_service.create_pharmacy({
                "id": f"load-ph-{p}", "name": f"Load Pharmacy {p}", "address": "1 Load Road, Ningbo",
                "lat": NINGBO[0] + 0.01 * p, "lon": NINGBO[1], "hours": ALL_WEEK, "pickup": True, "delivery": True,
                "delivery_radius_km": 5.0, "capacity": 10})
            stock.update_stock(pharmacy.id, [{"code": code, "on_hand": 100} for code in MEDICATIONS])
            user = accounts.create_staff("pharmacist", f"load.ph{p}", "loadpass12", f"Pharmacist {p}",
                                         pharmacy_id=pharmacy.id)
            stores.append((pharmacy.id, auth.issue_token(user)[0]))
        db.session.commit()
        return {"doctors": clinic_doctors, "today": [s.id for s in today_slots], "patients": people,
                "lanes": [[s.id for s in rows] for rows in lanes], "pharmacies": stores, "chats": chats}
