"""The pharmacy directory: creating pharmacies with hours, and finding the ones near a point."""
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from core import clock
from core.errors import ApiError
from core.extensions import db
from core.types import new_id
from pharmacy import geo, hours
from pharmacy.models import Pharmacy, PharmacyException, PharmacyHours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _field_error(field, message):
    return ApiError(422, "validation_error", "One or more fields are invalid.", title="Request validation failed",
                    errors=[{"field": field, "message": message}])


def _intervals(spans, field):
    out = []
    for n, span in enumerate(spans):
        try:
            start, end = (hours.parse_hhmm(part.strip()) for part in span.split("-", 1))
        except ValueError as exc:
            raise _field_error(f"{field}[{n}]", f"{exc}; write HH:MM-HH:MM") from None
        if start >= end:
            raise _field_error(f"{field}[{n}]", "closes before it opens; split a night shift into two days")
        out.append((start, end))
    return out


def create_pharmacy(data):
    """Create a pharmacy with weekly hours ({"mon": ["08:00-21:00"], ...}) and exceptions; 409 if the id exists."""
    try:
        ZoneInfo(data.get("timezone") or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        raise _field_error("timezone", "is not an IANA time zone") from None
    if data.get("id") and db.session.get(Pharmacy, data["id"]):
        raise ApiError(409, "pharmacy_exists", "A pharmacy with this id exists.")
    pharmacy = Pharmacy(id=data.get("id") or new_id(), created_at=clock.now(), open_orders=0,
                        **{k: v for k, v in data.items() if k not in ("id", "hours", "exceptions")})
    db.session.add(pharmacy)
    db.session.flush()
    for day, spans in (data.get("hours") or {}).items():
        for start, end in _intervals(spans, f"hours.{day}"):
            db.session.add(PharmacyHours(pharmacy_id=pharmacy.id, weekday=WEEKDAYS.index(day),
                                         open_minute=start, close_minute=end))
    for n, exception in enumerate(data.get("exceptions") or []):
        spans = _intervals(exception.get("hours") or [], f"exceptions[{n}].hours")
        for start, end in spans or [(None, None)]:
            db.session.add(PharmacyException(pharmacy_id=pharmacy.id, day=exception["date"], open_minute=start,
                                             close_minute=end, note=exception.get("note")))
    db.session.flush()
    return pharmacy


def weekly_hours(pharmacy_id):
    """[(weekday, open_minute, close_minute)] of a pharmacy."""
    return [tuple(r) for r in db.session.execute(select(
        PharmacyHours.weekday, PharmacyHours.open_minute, PharmacyHours.close_minute)
        .where(PharmacyHours.pharmacy_id == pharmacy_id).order_by(PharmacyHours.weekday, PharmacyHours.open_minute))]


def exceptions_of(pharmacy_id):
    """{date: [(open, close)]} of a pharmacy (an empty list: closed all day)."""
    found = {}
    for row in db.session.scalars(select(PharmacyException).where(PharmacyException.pharmacy_id == pharmacy_id)):
        day = found.setdefault(row.day, [])
        if row.open_minute is not None:
            day.append((row.open_minute, row.close_minute))
    return found


def find_near(lat, lon, radius_km=10.0):
    """Active cooperating pharmacies within `radius_km`, nearest first, with distance and open-now."""
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, radius_km)
    rows = db.session.scalars(select(Pharmacy).where(
        Pharmacy.lat.between(min_lat, max_lat), Pharmacy.lon.between(min_lon, max_lon),
        Pharmacy.routable.is_(True), Pharmacy.is_active.is_(True)).limit(2000)).all()
    now = clock.now()
    found = []
    for pharmacy in rows:
        distance = geo.haversine_km(lat, lon, pharmacy.lat, pharmacy.lon)
        if distance <= radius_km:
            found.append((distance, pharmacy))
    found.sort(key=lambda pair: (pair[0], pair[1].id))
    return [view_pharmacy(p, distance_km=d, now=now) for d, p in found]


def view_pharmacy(pharmacy, distance_km=None, now=None):
    """The API representation of a pharmacy."""
    weekly, exceptions = weekly_hours(pharmacy.id), exceptions_of(pharmacy.id)
    body = {k: getattr(pharmacy, k) for k in ("id", "name", "address", "district", "phone", "lat", "lon", "timezone",
                                              "pickup", "delivery", "delivery_radius_km", "capacity", "open_orders",
                                              "routable", "reviews", "is_active")}
    body["hours"] = {day: [f"{hours.format_hhmm(o)}-{hours.format_hhmm(c)}" for wd, o, c in weekly if wd == n]
                     for n, day in enumerate(WEEKDAYS)}
    body["open_now"] = hours.is_open(now or clock.now(), pharmacy.timezone, weekly, exceptions)
    if distance_km is not None:
        body["distance_km"] = round(distance_km, 3)
    return body
