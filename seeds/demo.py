"""The demo data set: accounts, and a small Ningbo directory with two weeks of slots; pharmacies and
histories join as the domains land. Every loader is idempotent (looks up before it creates)."""
from datetime import date

from sqlalchemy import select

from core import accounts
from seeds import directory
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

DEMO_INSTITUTIONS = [
    {"code": "NB-CLOUD", "name": "宁波云医院 Ningbo Cloud Hospital", "kind": "hospital", "district": "Yinzhou",
     "address": "宁波市鄞州区 Yinzhou, Ningbo", "latitude": 29.8167, "longitude": 121.5470, "phone": "0574-12320"},
    {"code": "NB-HS-BAIYUN", "name": "海曙区白云街道社区卫生服务中心 Baiyun Community Health Centre", "kind": "primary",
     "district": "Haishu", "address": "宁波市海曙区 Haishu, Ningbo", "latitude": 29.8700, "longitude": 121.5250,
     "phone": "0574-87000001"},
    {"code": "NB-JB-YONGJIANG", "name": "江北区甬江街道社区卫生服务中心 Yongjiang Community Health Centre",
     "kind": "primary", "district": "Jiangbei", "address": "宁波市江北区 Jiangbei, Ningbo", "latitude": 29.8950,
     "longitude": 121.5700, "phone": "0574-87000002"},
    {"code": "NB-YZ-SECOND", "name": "鄞州区第二医院 Yinzhou Second Hospital", "kind": "hospital", "district": "Yinzhou",
     "address": "宁波市鄞州区 Yinzhou, Ningbo", "latitude": 29.7800, "longitude": 121.5600, "phone": "0574-87000003"},
]
DEMO_DOCTORS = [
    {"practitioner_id": "demo-practitioner-1", "name": "王医生 Dr Wang", "title": "Attending physician",
     "specialties": ["hypertension", "general_medicine"], "institutions": ["NB-HS-BAIYUN", "NB-CLOUD"],
     "consult_fee_fen": 2000, "offers_online": True, "offers_in_person": True, "is_family_doctor": True},
    {"practitioner_id": "demo-practitioner-2", "name": "陈医生 Dr Chen", "title": "Chief physician",
     "specialties": ["diabetes", "endocrinology"], "institutions": ["NB-YZ-SECOND", "NB-CLOUD"],
     "consult_fee_fen": 5000, "offers_online": True, "offers_in_person": True, "is_family_doctor": False},
    {"practitioner_id": "demo-practitioner-3", "name": "周医生 Dr Zhou", "title": "Psychotherapist",
     "specialties": ["psychology"], "institutions": ["NB-JB-YONGJIANG"],
     "consult_fee_fen": 3000, "offers_online": True, "offers_in_person": True, "is_family_doctor": False},
]
# (practitioner, institution, weekday (Mon = 0), session, start, end, slot minutes, capacity, kind)
DEMO_TEMPLATES = [
    ("demo-practitioner-1", "NB-HS-BAIYUN", day, "morning", "08:00", "11:30", 15, 1, "in_person") for day in range(5)
] + [
    ("demo-practitioner-1", "NB-CLOUD", day, "afternoon", "14:00", "17:00", 10, 1, "online") for day in (0, 2, 4)
] + [
    ("demo-practitioner-2", "NB-YZ-SECOND", day, "morning", "08:30", "11:30", 20, 2, "in_person") for day in (1, 3)
] + [
    ("demo-practitioner-2", "NB-CLOUD", 5, "morning", "09:00", "12:00", 15, 1, "online"),
    ("demo-practitioner-3", "NB-JB-YONGJIANG", 2, "afternoon", "13:30", "17:30", 30, 1, "in_person"),
    ("demo-practitioner-3", "NB-JB-YONGJIANG", 4, "evening", "18:00", "20:00", 30, 1, "online"),
]


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
    created += directory.load_directory(DEMO_INSTITUTIONS, DEMO_DOCTORS, DEMO_TEMPLATES, horizon_days=14)
    return created
