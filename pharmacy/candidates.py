"""The SQL candidate search: pharmacies in a bounding box that can fill every item from unreserved stock.

The box is a range on the composite (lat, lon) index; the stock filter joins each boxed pharmacy's
rows of the wanted medications (unique index pharmacy_id, system, code) and keeps pharmacies with
every item available (on_hand - reserved >= quantity). Only these few rows reach Python, where the
exact distance, hours and ranking apply (pharmacy.ranking).
"""
import math
from datetime import timedelta

from sqlalchemy import and_, case, func, or_, select

from core.extensions import db
from pharmacy import geo
from pharmacy.models import Offer, Pharmacy, PharmacyException, PharmacyHours, Stock
from pharmacy.ranking import Candidate

MAX_CANDIDATES = 40  # per ring, nearest first (planar approximation in SQL)


def aggregate(items):
    """[(system, code, total quantity)] sorted, one entry per medication (the lock order for stock updates)."""
    totals = {}
    for item in items:
        key = (item["system"], item["code"])
        totals[key] = totals.get(key, 0) + int(item["quantity"])
    return [(system, code, quantity) for (system, code), quantity in sorted(totals.items())]


def find_candidates(needs, mode, lat, lon, radius_km, now, exclude_order=None, limit=MAX_CANDIDATES):
    """Candidates within the box of `radius_km` around (lat, lon) that could fill `needs` now."""
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, radius_km)
    available = Stock.on_hand - Stock.reserved
    matches = [and_(Stock.system == s, Stock.code == c, available >= q) for s, c, q in needs]
    spare = func.min(case(*[(and_(Stock.system == s, Stock.code == c), (available - q) * 1.0 / q)
                            for s, c, q in needs], else_=0.0))
    cos_lat = math.cos(math.radians(lat))
    planar = (Pharmacy.lat - lat) * (Pharmacy.lat - lat) + (Pharmacy.lon - lon) * (Pharmacy.lon - lon) * cos_lat * cos_lat
    stmt = (select(Pharmacy.id, Pharmacy.lat, Pharmacy.lon, Pharmacy.timezone, Pharmacy.capacity,
                   Pharmacy.open_orders, Pharmacy.delivery_radius_km, spare.label("spare"))
            .join(Stock, Stock.pharmacy_id == Pharmacy.id)
            .where(Pharmacy.lat.between(min_lat, max_lat), Pharmacy.lon.between(min_lon, max_lon),
                   Pharmacy.routable.is_(True), Pharmacy.is_active.is_(True),
                   Pharmacy.open_orders < Pharmacy.capacity,
                   (Pharmacy.delivery if mode == "delivery" else Pharmacy.pickup).is_(True),
                   or_(*matches))
            .group_by(Pharmacy.id, Pharmacy.lat, Pharmacy.lon, Pharmacy.timezone, Pharmacy.capacity,
                      Pharmacy.open_orders, Pharmacy.delivery_radius_km)
            .having(func.count(Stock.id) == len(needs))
            .order_by(planar, Pharmacy.id)
            .limit(limit))
    if exclude_order is not None:
        order_id, round_no = exclude_order
        tried = select(Offer.pharmacy_id).where(Offer.order_id == order_id, Offer.round == round_no)
        stmt = stmt.where(Pharmacy.id.not_in(tried))
    found = [Candidate(pharmacy_id=r.id, lat=r.lat, lon=r.lon, timezone=r.timezone, capacity=r.capacity,
                       open_orders=r.open_orders, delivery_radius_km=r.delivery_radius_km, spare=float(r.spare))
             for r in db.session.execute(stmt)]
    _attach_hours(found, now.date())
    return found


def _attach_hours(found, today):
    """Load weekly hours and exceptions of the candidates in two queries."""
    if not found:
        return
    by_id = {c.pharmacy_id: c for c in found}
    for row in db.session.execute(select(PharmacyHours.pharmacy_id, PharmacyHours.weekday, PharmacyHours.open_minute,
                                         PharmacyHours.close_minute).where(PharmacyHours.pharmacy_id.in_(by_id))):
        by_id[row.pharmacy_id].weekly.append((row.weekday, row.open_minute, row.close_minute))
    for row in db.session.scalars(select(PharmacyException).where(
            PharmacyException.pharmacy_id.in_(by_id),
            PharmacyException.day.between(today - timedelta(days=1), today + timedelta(days=2)))):
        day = by_id[row.pharmacy_id].exceptions.setdefault(row.day, [])
        if row.open_minute is not None:
            day.append((row.open_minute, row.close_minute))
