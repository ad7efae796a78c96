"""The demo data set: accounts now; the directory, schedules, pharmacies and histories join as the
domains land. Every loader is idempotent (looks up before it creates)."""
from datetime import date

from sqlalchemy import select

from core import accounts
from core.identity import make_id_number
from core.models import User
from core.extensions import db

DEMO_PATIENTS = [
    # name, birth date, sequence (odd = male), phone, password
    ("张伟 Zhang Wei", date(1962, 4, 11), 317, "13800000001", "patient123"),
    ("陈静 Chen Jing", date(1975, 9, 2), 224, "13800000002", "patient123"),
    ("刘洋 Liu Yang", date(1990, 1, 23), 531, "13800000003", "patient123"),
]
DEMO_STAFF = [
    # role, username, password, name, links
    ("admin", "admin", "admin12345", "Demo Administrator", {}),
    ("doctor", "doctor.wang", "doctor123", "王医生 Dr Wang", {"practitioner_id": "demo-practitioner-1"}),
    ("pharmacist", "pharmacist.li", "pharma123", "李药师 Pharmacist Li", {"pharmacy_id": "demo-pharmacy-1"}),
]
DEMO_ACCOUNTS_TABLE = [("patient", p[3], p[4]) for p in DEMO_PATIENTS] + [(s[0], s[1], s[2]) for s in DEMO_STAFF]
NINGBO_HAISHU = "330203"


def _exists(username):
    return db.session.scalar(select(User.id).where(User.username == username)) is not None


def load():
    """Create whatever demo data is missing; return how many records were created."""
    created = 0
    for name, born, seq, phone, password in DEMO_PATIENTS:
        if not _exists(phone):
            accounts.register_patient(name, make_id_number(NINGBO_HAISHU, born, seq), phone, password)
            created += 1
    for role, username, password, name, links in DEMO_STAFF:
        if not _exists(username):
            accounts.create_staff(role, username, password, name, **links)
            created += 1
    return created
