"""The generated directory of `flask seed city`: institutions, doctors and pharmacies spread over Ningbo's
ten districts, sized to the number of patients, deterministic for a seed (codes "C<seed>-...", ids
"c<seed>-..."), loaded idempotently (only missing rows are inserted, in bulk).

Institutions and doctors go through seeds.directory (their FHIR Organization, Location, Practitioner,
PractitionerRole and Schedule through the bulk path); pharmacies, which have no FHIR view, are bulk
inserted with their weekly hours and stock of the catalogue's ordinary medicines.
"""
import random

from sqlalchemy import insert, select

from core import clock
from core.extensions import db
from pharmacy import catalogue
from pharmacy.models import Pharmacy, PharmacyHours, Stock
from seeds import directory, ningbo
from seeds.ningbo_places import DISTRICTS

MAX_PHARMACIES = 10_000
PATIENTS_PER_DOCTOR = 440  # Ningbo: 226 doctors per 100 institutions, ~1,000 patients per institution
CHUNK = 2000


def sizes(patients, pharmacies=None):
    """(institutions, doctors, pharmacies) for a city of `patients`: Ningbo's ratios, within bounds, and
    a doctor for every PATIENTS_PER_DOCTOR patients."""
    institutions = max(10, min(5000, patients // 1000))
    doctors = max(institutions * ningbo.DOCTORS // ningbo.PRIMARY_INSTITUTIONS, -(-patients // PATIENTS_PER_DOCTOR))
    return institutions, doctors, min(MAX_PHARMACIES, pharmacies if pharmacies is not None else max(4, patients // 250))


def practitioner_of(seed, n):
    """The doctor who saw patient `n`: fixed by the numbers alone, so a bigger city keeps every smaller
    city's data (and a rerun with another --patients never contradicts what is stored)."""
    return f"c{seed}-doctor-{n // PATIENTS_PER_DOCTOR:06d}"


def _place(rng, i):
    code, zh, en, (lat, lon), (dlat, dlon), _, places = DISTRICTS[i % len(DISTRICTS)]
    place_zh, place_en = places[rng.randrange(len(places))]
    return code, zh, en, place_zh, place_en, round(lat + rng.uniform(-dlat, dlat), 5), \
        round(lon + rng.uniform(-dlon, dlon), 5)


def institutions(seed, count):
    """`count` institutions (one in 20 a hospital), round-robin over the districts."""
    rng, rows = random.Random(f"city-institutions-{seed}"), []
    for i in range(count):
        code, zh, en, place_zh, place_en, lat, lon = _place(rng, i)
        zh_kind, en_kind, kind = ("医院", "Hospital", "hospital") if i % 20 == 0 else \
            ("社区卫生服务站", "Community Health Station", "primary")
        rows.append({"code": f"C{seed}-{code}-{i:05d}", "kind": kind, "district": en, "timezone": "Asia/Shanghai",
                     "name": f"{zh}{place_zh}{zh_kind}{i} {place_en} {en_kind} {i}", "latitude": lat, "longitude": lon,
                     "address": f"浙江省宁波市{zh}{place_zh} {place_en}, {en}, Ningbo",
                     "phone": f"0574-8{rng.randrange(1_000_000, 10_000_000)}"})
    return rows


def doctors(seed, count, institution_rows):
    """`count` doctors spread evenly over the institutions in order, every third a family doctor (at a
    primary institution); doctor i is the same whatever `count` is."""
    rng, rows = random.Random(f"city-doctors-{seed}"), []
    for i in range(count):
        family = i % 3 == 0
        where = min(i * ningbo.PRIMARY_INSTITUTIONS // ningbo.DOCTORS, len(institution_rows) - 1)
        if family and institution_rows[where]["kind"] != "primary":
            where = where + 1 if where + 1 < len(institution_rows) else where - 1
        title, fee = ningbo.doctor_title(rng)
        rows.append({"practitioner_id": f"c{seed}-doctor-{i:06d}", "name": ningbo.doctor_name(rng), "title": title,
                     "specialties": rng.choice(ningbo.FAMILY_SPECIALTIES) if family
                     else [rng.choice(ningbo.SPECIALIST_SPECIALTIES)],
                     "institutions": [institution_rows[where]["code"]], "consult_fee_fen": fee,
                     "offers_online": rng.random() < 0.2, "offers_in_person": True, "is_family_doctor": family})
    return rows


def pharmacies(seed, count):
    """(pharmacies, hours, stock) rows for `count` pharmacies."""
    rng, now = random.Random(f"city-pharmacies-{seed}"), clock.now()
    medicines = catalogue.medications(include_restricted=False)
    rows, hours, stock = [], [], []
    for i in range(count):
        code, zh, en, place_zh, place_en, lat, lon = _place(rng, i)
        pid, capacity, delivery = f"c{seed}-pharmacy-{i:05d}", rng.randint(10, 50), rng.random() < 0.7
        rows.append({"id": pid, "name": f"{zh}{place_zh}大药房{i}号店 {place_en} Pharmacy No. {i}", "district": en,
                     "address": f"浙江省宁波市{zh}{place_zh} {place_en}, {en}, Ningbo", "lat": lat, "lon": lon,
                     "phone": f"0574{rng.randrange(10_000_000, 100_000_000)}", "timezone": "Asia/Shanghai",
                     "pickup": True, "delivery": delivery, "delivery_radius_km": rng.choice((3.0, 5.0, 8.0)) * delivery,
                     "capacity": capacity, "open_orders": 0, "routable": True, "reviews": False, "is_active": True,
                     "created_at": now})
        opens, closes = (0, 1440) if rng.random() < 0.15 else (rng.choice((480, 510, 540)), rng.choice((1200, 1260, 1320)))
        hours += [{"pharmacy_id": pid, "weekday": day, "open_minute": opens, "close_minute": closes} for day in range(7)]
        stock += [{"pharmacy_id": pid, "system": m["system"], "code": m["code"], "name": m["name"], "form": m["form"],
                   "strength": m["strength"], "on_hand": rng.randint(20, 800), "reserved": 0, "updated_at": now}
                  for m in rng.sample(medicines, k=min(14, len(medicines)))]
    return rows, hours, stock


def _load_pharmacies(seed, count):
    rows, hours, stock = pharmacies(seed, count)
    ids = [row["id"] for row in rows]
    have = set()
    for start in range(0, len(ids), 500):
        have.update(db.session.scalars(select(Pharmacy.id).where(Pharmacy.id.in_(ids[start:start + 500]))))
    for model, batch in ((Pharmacy, rows), (PharmacyHours, hours), (Stock, stock)):
        key = "id" if model is Pharmacy else "pharmacy_id"
        batch = [row for row in batch if row[key] not in have]
        for start in range(0, len(batch), CHUNK):
            db.session.execute(insert(model.__table__), batch[start:start + CHUNK])
    return len(ids) - len(have)


def load(seed, patients, pharmacy_count=None):
    """Create the missing directory of a city of `patients`; return the created counts."""
    n_institutions, n_doctors, n_pharmacies = sizes(patients, pharmacy_count)
    institution_rows = institutions(seed, n_institutions)
    doctor_rows = doctors(seed, n_doctors, institution_rows)
    institution_ids, new_institutions = directory.load_institutions(institution_rows)
    _, new_doctors = directory.load_doctors(doctor_rows, institution_ids)
    new_pharmacies = _load_pharmacies(seed, n_pharmacies)
    return {"institutions": new_institutions, "doctors": new_doctors, "pharmacies": new_pharmacies}
