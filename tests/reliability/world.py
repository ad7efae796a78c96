"""Data for the fault tests, written straight through the services (fast, no HTTP): an institution,
doctors with slots, and patients with bearer tokens."""
import itertools
from datetime import date, timedelta

from core import accounts, auth, clock
from core.extensions import db
from core.identity import make_id_number

_serial = itertools.count(1)


def patients(app, count):
    """`count` new patients: [(user id, bearer token)]."""
    out = []
    with app.app_context():
        for _ in range(count):
            n = next(_serial)
            user = accounts.register_patient(f"Fault {n}", make_id_number("330203", date(1981, 2, 3), n),
                                             f"136{n:08d}", "faultpass1")
            out.append((user.id, auth.issue_token(user)[0]))
        db.session.commit()
    return out


def slots(app, count, capacity=1, doctors=4, starts_in=timedelta(days=2)):
    """`count` open in-person slots, 15 minutes apart (per doctor), from `starts_in` on: [slot id]."""
    from clinic.directory import services as directory
    from clinic.scheduling import Slot

    start = clock.now().replace(minute=0, second=0, microsecond=0) + starts_in
    with app.app_context():
        inst = directory.save_institution({"code": f"FAULT{next(_serial)}", "name": "Fault Clinic",
                                           "kind": "primary"})
        lanes = [directory.save_doctor({"practitioner_id": f"fault-{inst.id}-{d}", "name": f"Dr Fault {d}",
                                        "specialties": ["general_medicine"], "institution_ids": [inst.id]})
                 for d in range(doctors)]
        rows = []
        for k in range(count):
            at = start + timedelta(minutes=15 * (k // doctors))
            rows.append(Slot(doctor_id=lanes[k % doctors].id, institution_id=inst.id, kind="in_person",
                             session="morning", local_date=at.date(), starts_at=at,
                             ends_at=at + timedelta(minutes=15), capacity=capacity, booked=0, held=0,
                             status="open"))
        db.session.add_all(rows)
        db.session.commit()
        return [row.id for row in rows]
