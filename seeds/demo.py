"""The demo data set: the Ningbo Cloud Hospital at launch. Accounts; the hand-written rows below (the
cloud hospital, Dr Wang, Dr Chen, Dr Zhou, the cooperating pharmacies) plus the generated directory of
seeds.ningbo (100 primary institutions over the ten districts, 226 doctors, two weeks of slots); the
four cloud consulting rooms; the protocol and rule set; the demo patients' FHIR histories.
Every loader is idempotent (looks up before it creates)."""
from datetime import date

from sqlalchemy import select

from clinic.risk import services as risk
from core import accounts
from core.extensions import db
from core.identity import make_id_number
from core.models import User
from seeds import care, directory, histories, ningbo

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
    # A platform pharmacist: reviews every e-prescription before it takes effect.
    ("pharmacist", "pharmacist.zhao", "review123", "赵药师 Pharmacist Zhao (reviewer)", {"pharmacy_id": "ningbo-review"}),
    # A home-care nurse of the Baiyun community health centre (seeds.care places her there).
    ("nurse", "nurse.sun", "nurse123", "孙护士 Nurse Sun", {}),
]
DEMO_ACCOUNTS_TABLE = [("patient", p[3], p[4]) for p in DEMO_PATIENTS] + [(s[0], s[1], s[2]) for s in DEMO_STAFF]
NINGBO_HAISHU = "330203"

DAILY = lambda span: {d: [span] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}  # noqa: E731
# The four cooperating pharmacies of Ningbo (and the platform's review desk, which fills no orders).
DEMO_PHARMACIES = [
    {"id": "demo-pharmacy-1", "name": "海曙康民大药房 Haishu Kangmin Pharmacy", "district": "海曙区 Haishu",
     "address": "浙江省宁波市海曙区中山西路138号", "phone": "057487301138", "lat": 29.8713, "lon": 121.5410,
     "hours": DAILY("08:00-22:00"), "delivery": True, "delivery_radius_km": 6.0, "capacity": 30},
    {"id": "ningbo-jiangbei-1", "name": "江北老外滩药房 Jiangbei Bund Pharmacy", "district": "江北区 Jiangbei",
     "address": "浙江省宁波市江北区人民路132号", "phone": "057487652132", "lat": 29.8873, "lon": 121.5567,
     "hours": {**DAILY("08:30-21:00"), "sun": ["09:00-18:00"]}, "delivery": True, "delivery_radius_km": 5.0,
     "capacity": 20},
    {"id": "ningbo-yinzhou-1", "name": "鄞州天童24小时药房 Yinzhou Tiantong 24h Pharmacy", "district": "鄞州区 Yinzhou",
     "address": "浙江省宁波市鄞州区天童南路588号", "phone": "057488120588", "lat": 29.8160, "lon": 121.5530,
     "hours": DAILY("00:00-24:00"), "delivery": True, "delivery_radius_km": 8.0, "capacity": 40},
    {"id": "ningbo-zhenhai-1", "name": "镇海城河药房 Zhenhai Chenghe Pharmacy", "district": "镇海区 Zhenhai",
     "address": "浙江省宁波市镇海区城河西路200号", "phone": "057486270200", "lat": 29.9490, "lon": 121.7160,
     "hours": DAILY("08:00-20:00"), "delivery": False, "delivery_radius_km": 0.0, "capacity": 15},
    {"id": "ningbo-review", "name": "宁波云医院处方审核中心 Cloud Hospital Prescription Review", "district": "鄞州区 Yinzhou",
     "address": "浙江省宁波市鄞州区宁南南路1118号", "lat": 29.8050, "lon": 121.5480, "pickup": False,
     "routable": False, "reviews": True, "capacity": 0},
]
# Units on hand of common chronic-disease medicines (ATC), per cooperating pharmacy.
DEMO_STOCK = {
    "demo-pharmacy-1": {"C08CA01": 600, "C08CA05": 300, "C09CA01": 420, "C09CA03": 280, "A10BA02": 1200,
                        "A10BB12": 240, "C10AA05": 560, "B01AC06": 900, "C07AB02": 300, "H03AA01": 200,
                        "C09AA02": 300, "C03AA03": 400, "N06AB06": 90},
    "ningbo-jiangbei-1": {"C08CA01": 280, "C09CA01": 140, "A10BA02": 600, "C10AA05": 200, "B01AC06": 400,
                          "C09CA04": 150, "A02BC01": 180, "C07AB02": 120, "A10BF01": 150,
                          "N05BA12": 20},  # restricted: psychotropic
    "ningbo-yinzhou-1": {"C08CA01": 900, "C08CA05": 420, "C09CA01": 500, "C09CA03": 360, "C09CA04": 300,
                         "A10BA02": 2000, "A10BB12": 360, "A10BB09": 240, "A10BF01": 300, "C10AA05": 800,
                         "C10AA07": 400, "B01AC06": 1500, "B01AC04": 280, "R03AC02": 40, "R03BB04": 60,
                         "N06AB10": 120, "A02BC01": 300,
                         # restricted (licensed stock for in-person prescriptions; the online gate refuses them)
                         "N05BA01": 60, "N05CD04": 40, "N02AX02": 30},
    "ningbo-zhenhai-1": {"C08CA01": 150, "C09CA03": 84, "A10BA02": 300, "C10AA05": 140, "B01AC06": 200},
}
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


def _load_pharmacies():
    # Only missing stock rows are added, so a re-run never overwrites real levels.
    from pharmacy import pharmacies, stock
    from pharmacy.models import Pharmacy

    created = 0
    for data in DEMO_PHARMACIES:
        if db.session.get(Pharmacy, data["id"]) is None:
            pharmacies.create_pharmacy(data)
            created += 1
        have = {row.code for row in stock.list_stock(data["id"])}
        rows = [{"code": code, "on_hand": units} for code, units in DEMO_STOCK.get(data["id"], {}).items()
                if code not in have]
        if rows:
            stock.update_stock(data["id"], rows)
            created += len(rows)
    return created


def directory_lists():
    """(institutions, doctors, templates): the hand-written rows followed by the generated ones."""
    generated = ningbo.institutions(DEMO_INSTITUTIONS)
    primary = [row["code"] for row in DEMO_INSTITUTIONS + generated if row["kind"] == "primary"]
    hospitals = [row["code"] for row in DEMO_INSTITUTIONS if row["kind"] == "hospital" and row["code"] != "NB-CLOUD"]
    doctors, templates = ningbo.doctors(DEMO_DOCTORS, primary, hospitals, "NB-CLOUD")
    return DEMO_INSTITUTIONS + generated, DEMO_DOCTORS + doctors, DEMO_TEMPLATES + templates


def load():
    """Create whatever demo data is missing; return how many records were created."""
    created = _load_pharmacies()
    for name, born, seq, phone, password in DEMO_PATIENTS:
        if not _exists(phone):
            accounts.register_patient(name, make_id_number(NINGBO_HAISHU, born, seq), phone, password)
            created += 1
    for role, username, password, name, links in DEMO_STAFF:
        if not _exists(username):
            accounts.create_staff(role, username, password, name, **links)
            created += 1
    created += directory.load_directory(*directory_lists(), horizon_days=14)
    created += _load_rooms()
    created += histories.load_histories()
    risk.ensure_default_published()
    created += care.load_care()
    return created


def _load_rooms():
    """The four cloud consulting rooms of the Ningbo Cloud Hospital (hypertension, diabetes, psychology,
    general medicine)."""
    from clinic.consult import services as consult
    from clinic.directory import Institution
    from clinic.fhir_views.services import org_id

    cloud = db.session.scalar(select(Institution).where(Institution.code == "NB-CLOUD"))
    return consult.seed_rooms(institution_id=cloud.id, organization_id=org_id(cloud))
