"""Pure ranking of candidate pharmacies for one order (no Flask, no database).

Each candidate has passed the SQL prefilter (bounding box, every item in unreserved stock, under
capacity, not yet tried in this round). Here the exact rules apply and the rest are scored:

- distance: exact haversine d (km); pickup needs d <= search radius R, delivery needs d <= the
  pharmacy's own delivery radius;
- hours: delivery needs the pharmacy open now; pickup accepts open now or opening within the
  pickup window (both in the pharmacy's own time zone);
- score (lower is better), every term in [0, 1]:

      score = 0.6 * d / R  +  0.3 * open_orders / capacity  +  0.1 * (1 - min(spare, 4) / 4)

  where spare = min over items of (available - quantity) / quantity, i.e. how many more orders of
  the same size the pharmacy could still fill after this one (stock depth: a deep stock is less
  likely to be taken by a competing order before the pharmacy accepts). Ties go to the nearer
  pharmacy, then the smaller id, so the ranking is deterministic.
"""
from dataclasses import dataclass, field

from pharmacy import geo, hours

W_DISTANCE, W_LOAD, W_DEPTH = 0.6, 0.3, 0.1
DEPTH_CAP = 4.0


@dataclass
class Candidate:
    """A pharmacy that passed the SQL prefilter, with what the exact rules need."""

    pharmacy_id: str
    lat: float
    lon: float
    timezone: str
    capacity: int
    open_orders: int
    delivery_radius_km: float
    spare: float  # min over items of (available - quantity) / quantity
    weekly: list = field(default_factory=list)  # [(weekday, open_minute, close_minute)]
    exceptions: dict = field(default_factory=dict)  # {local date: [(open_minute, close_minute)]}
    distance_km: float = 0.0
    score: float = 0.0


def score(distance_km, radius_km, open_orders, capacity, spare):
    """The documented score (lower is better)."""
    load = min(1.0, open_orders / capacity) if capacity > 0 else 1.0
    depth = 1.0 - min(max(spare, 0.0), DEPTH_CAP) / DEPTH_CAP
    return W_DISTANCE * min(1.0, distance_km / radius_km) + W_LOAD * load + W_DEPTH * depth


def eligible(candidate, mode, lat, lon, now, radius_km, pickup_window_minutes):
    """Apply the exact rules (distance, delivery radius, opening hours); sets distance_km."""
    candidate.distance_km = geo.haversine_km(lat, lon, candidate.lat, candidate.lon)
    if candidate.distance_km > radius_km:
        return False
    if mode == "delivery":
        return (candidate.distance_km <= candidate.delivery_radius_km
                and hours.is_open(now, candidate.timezone, candidate.weekly, candidate.exceptions))
    return hours.opens_within(now, pickup_window_minutes, candidate.timezone, candidate.weekly, candidate.exceptions)


def rank(candidates, mode, lat, lon, now, radius_km, pickup_window_minutes):
    """The eligible candidates, best first."""
    kept = []
    for candidate in candidates:
        if eligible(candidate, mode, lat, lon, now, radius_km, pickup_window_minutes):
            candidate.score = score(candidate.distance_km, radius_km, candidate.open_orders,
                                    candidate.capacity, candidate.spare)
            kept.append(candidate)
    return sorted(kept, key=lambda c: (round(c.score, 9), c.distance_km, c.pharmacy_id))
