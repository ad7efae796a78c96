"""Routing an order: search candidates in growing rings, rank them, offer the order to the best one.

The rings keep the SQL work proportional to local density rather than to the number of pharmacies:
the search stops at the first ring that yields MIN_CHOICES eligible pharmacies (or at the maximum
radius), and the best-scored of those gets the offer.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from core import clock
from core.extensions import db
from pharmacy import candidates, hooks, ranking, states
from pharmacy.models import Offer, Pharmacy, Prescription

RINGS_KM = (2.0, 5.0, 10.0, 20.0, 50.0)
MIN_CHOICES = 3


def settings():
    """The routing settings of the running app."""
    config = current_app.config
    return {"radius_km": float(config["PHARMACY_SEARCH_RADIUS_KM"]),
            "pickup_window_minutes": int(config["PHARMACY_PICKUP_WINDOW_MINUTES"]),
            "offer_ttl_seconds": int(config["PHARMACY_OFFER_TTL_SECONDS"])}


def rank_pharmacies(needs, mode, lat, lon, now, radius_km, pickup_window_minutes, exclude_order=None):
    """The routing decision: eligible candidates, best first (candidate search + ranking)."""
    ranked = []
    for ring in [r for r in RINGS_KM if r < radius_km] + [radius_km]:
        found = candidates.find_candidates(needs, mode, lat, lon, ring, now, exclude_order=exclude_order)
        ranked = ranking.rank(found, mode, lat, lon, now, radius_km, pickup_window_minutes)
        if len(ranked) >= MIN_CHOICES:
            break
    return ranked


def route_order(order, items, reason=None):
    """Offer `order` to the best pharmacy not yet tried in this round, or mark it unroutable (and say so)."""
    config, now = settings(), clock.now()
    needs = candidates.aggregate([{"system": i.system, "code": i.code, "quantity": i.quantity} for i in items])
    ranked = rank_pharmacies(needs, order.mode, order.lat, order.lon, now, config["radius_km"],
                             config["pickup_window_minutes"], exclude_order=(order.id, order.round))
    order.updated_at = now
    if not ranked:
        order.status, order.pharmacy_id, order.offer_deadline = states.UNROUTABLE, None, None
        order.reason = reason or "No cooperating pharmacy can fill this prescription now."
        db.session.flush()
        prescription = db.session.get(Prescription, order.prescription_id)
        hooks.notify("order.unroutable", [f"Patient/{order.patient_id}", f"Practitioner/{prescription.practitioner_id}"],
                     {"order_id": order.id, "prescription_id": order.prescription_id, "reason": order.reason})
        return None
    best = ranked[0]
    deadline = now + timedelta(seconds=config["offer_ttl_seconds"])
    db.session.add(Offer(order_id=order.id, round=order.round, pharmacy_id=best.pharmacy_id, status="offered",
                         score=best.score, distance_km=best.distance_km, offered_at=now, deadline=deadline))
    order.status, order.pharmacy_id, order.offer_deadline, order.reason = states.OFFERED, best.pharmacy_id, deadline, reason
    db.session.flush()
    hooks.notify("order.offered", [f"Pharmacy/{best.pharmacy_id}"], {"order_id": order.id, "deadline": deadline})
    return best


def pharmacy_summary(pharmacy_id, order=None):
    """What a patient is told about the pharmacy handling the order."""
    if pharmacy_id is None:
        return None
    pharmacy = db.session.get(Pharmacy, pharmacy_id)
    summary = {"id": pharmacy.id, "name": pharmacy.name, "address": pharmacy.address, "phone": pharmacy.phone}
    if order is not None:
        offer = db.session.scalar(select(Offer).where(Offer.order_id == order.id, Offer.round == order.round,
                                                      Offer.pharmacy_id == pharmacy_id))
        summary["distance_km"] = round(offer.distance_km, 2) if offer else None
    return summary
