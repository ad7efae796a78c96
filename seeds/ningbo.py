"""The generated part of the Ningbo demo directory: primary medical institutions over the ten districts,
doctors with titles and specialties (about a third family doctors), and their weekly sessions.

Everything comes from one `random.Random(SEED)` consumed in a fixed order, so every run (and every
machine) produces the same names, codes, coordinates and timetables; the loaders in seeds.directory
then create only what is missing. The hand-written rows of seeds.demo (doctor.wang's practitioner,
the cloud hospital, ...) come first and are counted in the totals.
"""
import random

from seeds.ningbo_places import DISTRICTS

SEED = 20260315
PRIMARY_INSTITUTIONS = 100
DOCTORS = 226
FAMILY_DOCTORS = 75  # about a third
SURNAMES = [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
            ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"), ("胡", "Hu"),
            ("朱", "Zhu"), ("林", "Lin"), ("何", "He"), ("郭", "Guo"), ("罗", "Luo"), ("郑", "Zheng"), ("邵", "Shao"),
            ("俞", "Yu"), ("应", "Ying"), ("毛", "Mao"), ("董", "Dong"), ("叶", "Ye"), ("舒", "Shu"), ("鲍", "Bao")]
GIVEN = [("伟", "Wei"), ("芳", "Fang"), ("敏", "Min"), ("静", "Jing"), ("丽", "Li"), ("强", "Qiang"), ("磊", "Lei"),
         ("军", "Jun"), ("洋", "Yang"), ("艳", "Yan"), ("杰", "Jie"), ("娟", "Juan"), ("涛", "Tao"), ("明", "Ming"),
         ("超", "Chao"), ("霞", "Xia"), ("平", "Ping"), ("刚", "Gang"), ("燕", "Yan"), ("辉", "Hui"), ("玲", "Ling"),
         ("建华", "Jianhua"), ("海燕", "Haiyan"), ("志强", "Zhiqiang"), ("晓东", "Xiaodong"), ("丽萍", "Liping"),
         ("国庆", "Guoqing"), ("雪梅", "Xuemei"), ("振宇", "Zhenyu"), ("佳怡", "Jiayi"), ("子涵", "Zihan")]
# title, weight, consultation fee (fen)
TITLES = [("Chief physician", 1, 5000), ("Associate chief physician", 2, 3500), ("Attending physician", 4, 2000),
          ("Resident physician", 2, 1000)]
FAMILY_SPECIALTIES = [["general_medicine"], ["general_medicine", "hypertension"], ["general_medicine", "diabetes"],
                      ["general_medicine", "geriatrics"], ["general_medicine", "hypertension", "diabetes"]]
SPECIALIST_SPECIALTIES = ["cardiology", "endocrinology", "respiratory", "gastroenterology", "neurology",
                          "paediatrics", "gynaecology", "orthopaedics", "dermatology", "ophthalmology", "ent",
                          "stomatology", "tcm", "rehabilitation", "geriatrics", "general_medicine"]
# The cloud clinics' extra online doctors (beside the demo's Dr Wang, Dr Chen and Dr Zhou).
CLOUD_CLINIC_DOCTORS = [["hypertension", "cardiology"], ["hypertension", "general_medicine"],
                        ["diabetes", "endocrinology"], ["diabetes", "endocrinology"], ["psychology"],
                        ["psychology"], ["general_medicine"], ["general_medicine"], ["general_medicine"]]
# session name, start, end, slot minutes, capacity, kind: in person a numbered half-hour (号源) for two
# patients, online one patient per 20 minutes.
SESSIONS = {"morning": ("morning", "08:00", "11:30", 30, 2, "in_person"),
            "afternoon": ("afternoon", "13:30", "16:30", 30, 2, "in_person"),
            "online": ("afternoon", "14:00", "17:00", 20, 1, "online")}


def doctor_name(rng):
    (fz, fp), (gz, gp) = rng.choice(SURNAMES), rng.choice(GIVEN)
    return f"{fz}{gz} Dr {fp} {gp}"


def doctor_title(rng):
    title, _, fee = rng.choices(TITLES, weights=[t[1] for t in TITLES])[0]
    return title, fee


def institutions(given):
    """The generated primary institutions: PRIMARY_INSTITUTIONS in total with the `given` ones."""
    rng = random.Random(SEED)
    have = {}
    for row in given:
        if row["kind"] == "primary":
            have[row["district"]] = have.get(row["district"], 0) + 1
    rows = []
    for code, zh, en, (lat, lon), (dlat, dlon), count, places in DISTRICTS:
        for place_zh, place_en in places[:count - have.get(en, 0)]:
            town = place_zh.endswith(("镇", "乡"))
            kind_zh, kind_en = ("卫生院", "Town Health Centre") if town else ("街道社区卫生服务中心", "Community Health Centre")
            rows.append({"code": f"NB-{code}-{place_en.upper()}", "kind": "primary", "district": en,
                         "name": f"{zh}{place_zh}{kind_zh} {place_en} {kind_en}", "timezone": "Asia/Shanghai",
                         "address": f"浙江省宁波市{zh}{place_zh} {place_en}, {en}, Ningbo",
                         "latitude": round(lat + rng.uniform(-dlat, dlat), 5),
                         "longitude": round(lon + rng.uniform(-dlon, dlon), 5),
                         "phone": f"0574-8{rng.randrange(1_000_000, 10_000_000)}"})
    return rows


def doctors(given_doctors, primary_codes, hospital_codes, cloud_code):
    """The generated doctors (DOCTORS in total with `given_doctors`) and their weekly templates."""
    rng = random.Random(SEED + 1)
    rows, templates = [], []
    family_left = FAMILY_DOCTORS - sum(1 for d in given_doctors if d["is_family_doctor"])

    def add(specialties, institutions, family, online):
        title, fee = doctor_title(rng)
        pid = f"nb-doctor-{len(rows) + 1:03d}"
        rows.append({"practitioner_id": pid, "name": doctor_name(rng), "title": title, "specialties": specialties,
                     "institutions": institutions, "consult_fee_fen": fee, "offers_online": online,
                     "offers_in_person": True, "is_family_doctor": family})
        days = sorted(rng.sample(range(6), 2 if family else 1))  # Monday to Saturday
        for day in days:
            # An online doctor's in-person sessions are mornings: the online ones are afternoons.
            session = SESSIONS["morning" if online else rng.choice(("morning", "afternoon"))]
            templates.append((pid, institutions[0], day, *session))
        if online:
            for day in sorted(rng.sample(range(5), 2)):
                templates.append((pid, cloud_code, day, *SESSIONS["online"]))

    for specialties in CLOUD_CLINIC_DOCTORS:
        add(specialties, [rng.choice(hospital_codes + primary_codes), cloud_code], False, True)
    for n in range(family_left):  # one family-doctor team per primary institution, in order
        add(rng.choice(FAMILY_SPECIALTIES), [primary_codes[n % len(primary_codes)]], True, False)
    while len(rows) + len(given_doctors) < DOCTORS:
        where = rng.choice(hospital_codes) if rng.random() < 0.4 else rng.choice(primary_codes)
        add([rng.choice(SPECIALIST_SPECIALTIES)], [where], False, False)
    return rows, templates


def family_team(institution_name):
    """The family-doctor team name of an institution ("白云...团队")."""
    return f"{institution_name.split(' ')[0]}家庭医生团队 family-doctor team"
