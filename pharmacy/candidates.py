"""The SQL candidate search: pharmacies in a bounding box that can fill every item from unreserved stock.

The box is a range on the composite (lat, lon) index; the stock filter joins each boxed pharmacy's
rows of the wanted medications (unique index pharmacy_id, system, code) and keeps pharmacies with
every item available (on_hand - reserved >= quantity). Only these few rows reach Python, where the
exact distance, hours and ranking apply (pharmacy.ranking). The statements are built once per shape
(number of items, mode, exclusion) with bound parameters, so each ring costs one round
trip and no SQL construction or compilation.
"""
import functools
import math
from datetime import date, timedelta

from sqlalchemy import Date, Float, Integer, String, and_, bindparam, case, cast, func, or_, select

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


def _text(column):
    return func.coalesce(cast(column, String), "")


@functools.lru_cache(maxsize=128)
def _candidate_statement(n_needs, mode, exclude):
    p, s, h, e = (model.__table__.c for model in (Pharmacy, Stock, PharmacyHours, PharmacyException))
    available = s.on_hand - s.reserved
    system = [bindparam(f"s{i}", type_=String) for i in range(n_needs)]
    code = [bindparam(f"c{i}", type_=String) for i in range(n_needs)]
    quantity = [bindparam(f"q{i}", type_=Integer) for i in range(n_needs)]
    is_item = [and_(s.system == system[i], s.code == code[i]) for i in range(n_needs)]
    spare = func.min(case(*[(is_item[i], (available - quantity[i]) * 1.0 / quantity[i]) for i in range(n_needs)],
                          else_=0.0))
    # Hours and exceptions ride along as short strings ("0:480-1320;1:480-1320", "2026-03-02:-"), so a
    # routing decision is one round trip (aggregate_strings: string_agg / group_concat).
    weekly = (select(func.aggregate_strings(_text(h.weekday) + ":" + _text(h.open_minute) + "-" + _text(h.close_minute), ";"))
              .where(h.pharmacy_id == p.id).scalar_subquery())
    special = (select(func.aggregate_strings(_text(e.day) + ":" + _text(e.open_minute) + "-" + _text(e.close_minute), ";"))
               .where(e.pharmacy_id == p.id, e.day.between(bindparam("first_day", type_=Date),
                                                           bindparam("last_day", type_=Date))).scalar_subquery())
    lat, lon, cos2 = (bindparam(name, type_=Float) for name in ("lat", "lon", "cos2"))
    planar = (p.lat - lat) * (p.lat - lat) + (p.lon - lon) * (p.lon - lon) * cos2
    stmt = (select(p.id, p.lat, p.lon, p.timezone, p.capacity, p.open_orders, p.delivery_radius_km, spare.label("spare"),
                   weekly.label("weekly"), special.label("special"))
            .join(Stock.__table__, s.pharmacy_id == p.id)
            .where(p.lat.between(bindparam("min_lat", type_=Float), bindparam("max_lat", type_=Float)),
                   p.lon.between(bindparam("min_lon", type_=Float), bindparam("max_lon", type_=Float)),
                   p.routable.is_(True), p.is_active.is_(True), p.open_orders < p.capacity,
                   (p.delivery if mode == "delivery" else p.pickup).is_(True),
                   or_(*[and_(is_item[i], available >= quantity[i]) for i in range(n_needs)]))
            .group_by(p.id, p.lat, p.lon, p.timezone, p.capacity, p.open_orders, p.delivery_radius_km)
            .having(func.count(s.id) == n_needs)
            .order_by(planar, p.id)
            .limit(MAX_CANDIDATES))
    if exclude:
        o = Offer.__table__.c
        stmt = stmt.where(p.id.not_in(select(o.pharmacy_id).where(o.order_id == bindparam("order_id", type_=String),
                                                                  o.round == bindparam("round", type_=Integer))))
    return stmt


def _parse_weekly(text):
    spans = []
    for part in filter(None, (text or "").split(";")):
        weekday, _, span = part.partition(":")
        start, _, end = span.partition("-")
        spans.append((int(weekday), int(start), int(end)))
    return spans


def _parse_special(text):
    days = {}
    for part in filter(None, (text or "").split(";")):
        day, _, span = part.partition(":")
        start, _, end = span.partition("-")
        spans = days.setdefault(date.fromisoformat(day[:10]), [])
        if start:
            spans.append((int(start), int(end)))
    return days


def find_candidates(needs, mode, lat, lon, radius_km, now, exclude_order=None):
    """Candidates within the box of `radius_km` around (lat, lon) that could fill `needs` now (one query)."""
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, radius_km)
    today = now.date()
    params = {"min_lat": min_lat, "max_lat": max_lat, "min_lon": min_lon, "max_lon": max_lon, "lat": lat, "lon": lon,
              "cos2": math.cos(math.radians(lat)) ** 2, "first_day": today - timedelta(days=1),
              "last_day": today + timedelta(days=2)}
    for i, (system, code, quantity) in enumerate(needs):
        params.update({f"s{i}": system, f"c{i}": code, f"q{i}": quantity})
    if exclude_order is not None:
        params.update(order_id=exclude_order[0], round=exclude_order[1])
    rows = db.session.connection().execute(_candidate_statement(len(needs), mode, exclude_order is not None), params)
    return [Candidate(pharmacy_id=r.id, lat=r.lat, lon=r.lon, timezone=r.timezone, capacity=r.capacity,
                      open_orders=r.open_orders, delivery_radius_km=r.delivery_radius_km, spare=float(r.spare),
                      weekly=_parse_weekly(r.weekly), exceptions=_parse_special(r.special)) for r in rows]
