"""Synthetic pharmacies and stock for the routing benchmark, spread over greater Ningbo."""
import random

from sqlalchemy import insert, text

# Greater Ningbo (Haishu, Jiangbei, Yinzhou, Zhenhai, Beilun, Fenghua, Yuyao and Cixi's edge): ~55 x 80 km.
BOX = (29.60, 30.10, 121.20, 122.00)
COMMON = ["C08CA01", "C08CA05", "C09CA01", "C09CA03", "C09CA04", "C09AA02", "C07AB02", "C03AA03", "C10AA05",
          "C10AA07", "B01AC06", "B01AC04", "A10BA02", "A10BB12", "A10BB09", "A10BF01", "H03AA01", "A02BC01",
          "R03AC02", "N06AB06"]
ATC = "http://www.whocc.no/atc"


def random_point(rng):
    """A uniformly random point in the box."""
    return rng.uniform(BOX[0], BOX[1]), rng.uniform(BOX[2], BOX[3])


def rows(n, seed):
    """(pharmacies, hours, stock) rows for `n` pharmacies."""
    rng = random.Random(seed)
    pharmacies, hours, stock = [], [], []
    for i in range(n):
        pid = f"bench-{i:06d}"
        lat, lon = random_point(rng)
        capacity = rng.randint(10, 50)
        delivery = rng.random() < 0.7
        pharmacies.append({"id": pid, "name": f"Bench pharmacy {i}", "address": f"{i} Bench Road", "lat": lat,
                           "lon": lon, "timezone": "Asia/Shanghai", "pickup": True, "delivery": delivery,
                           "delivery_radius_km": rng.uniform(3, 8) if delivery else 0.0, "capacity": capacity,
                           "open_orders": rng.randint(0, capacity - 1), "routable": True, "reviews": False,
                           "is_active": True})
        opens, closes = (0, 1440) if rng.random() < 0.15 else (rng.choice([480, 510, 540]), rng.choice([1200, 1260, 1320]))
        hours.extend({"pharmacy_id": pid, "weekday": d, "open_minute": opens, "close_minute": closes} for d in range(7))
        for code in rng.sample(COMMON, k=14):
            on_hand = rng.randint(0, 600)
            stock.append({"pharmacy_id": pid, "system": ATC, "code": code, "name": code, "on_hand": on_hand,
                          "reserved": rng.randint(0, on_hand // 10)})
    return pharmacies, hours, stock


def load(app, n, seed):
    """Replace every pharmacy with `n` synthetic ones (bulk inserts), then ANALYZE."""
    from core import clock
    from core.extensions import db
    from pharmacy.models import Pharmacy, PharmacyHours, Stock

    pharmacies, hours, stock = rows(n, seed)
    now = clock.now()
    with app.app_context():
        db.session.execute(text("TRUNCATE pharmacies, pharmacy_hours, pharmacy_exceptions, pharmacy_stock, "
                                "pharmacy_offers, pharmacy_orders, pharmacy_dispenses CASCADE"))
        for model, batch in ((Pharmacy, pharmacies), (PharmacyHours, hours), (Stock, stock)):
            for start in range(0, len(batch), 5000):
                chunk = batch[start:start + 5000]
                if model is Pharmacy:
                    chunk = [{**r, "created_at": now} for r in chunk]
                if model is Stock:
                    chunk = [{**r, "updated_at": now} for r in chunk]
                db.session.execute(insert(model), chunk)
        db.session.commit()
        db.session.execute(text("ANALYZE pharmacies, pharmacy_hours, pharmacy_stock"))
        db.session.commit()
