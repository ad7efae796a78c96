"""A pharmacy's side of an order: accept (reserving stock), decline, prepare, dispense, deliver.

Every transition is one conditional UPDATE on the order row (`WHERE status IN (sources)`): of
two identical requests racing, exactly one changes the row; the other sees the state it wanted and
answers 200 with changed=False (idempotent), or 409 when the order is elsewhere. Dispensing (pick
up, send out) writes the Dispense row and the FHIR MedicationDispense only on the winning path, and
Dispense.order_id is unique besides, so the drugs are booked out exactly once.
"""
import json

from sqlalchemy import select, update

from core import clock, reporting
from core.audit import audited
from core.errors import ApiError
from core.extensions import db
from pharmacy import billing_link, fhir_sync, hooks, reservations, routing, states
from pharmacy.models import Dispense, Offer, Order, Pharmacy
from pharmacy.orders import audit_order, load_order, needs_of


def _offer_of(order, pharmacy_id):
    return db.session.scalar(select(Offer).where(Offer.order_id == order.id, Offer.round == order.round,
                                                 Offer.pharmacy_id == pharmacy_id))


def _answer_offer(order, pharmacy_id, status, reason=None):
    db.session.execute(update(Offer).where(Offer.order_id == order.id, Offer.round == order.round,
                                           Offer.pharmacy_id == pharmacy_id, Offer.status == "offered")
                       .values(status=status, reason=reason, answered_at=clock.now())
                       .execution_options(synchronize_session=False))


def _not_visible(actor, order_id):
    order = db.session.get(Order, order_id)
    if order is not None:
        audit_order(actor, order, "update", outcome="denied")
    return ApiError(404, "not_found", "No such order.")


@audited("update")
def accept_order(actor, order_id):
    """Accept an offer: reserve every item and take capacity atomically, or decline for the pharmacy and re-route.

    Returns (order, outcome): "accepted", "unchanged" (already accepted by this pharmacy), or
    "insufficient_stock" / "at_capacity" (nothing reserved, the order went to the next pharmacy).
    """
    pharmacy_id, now = actor.pharmacy_id, clock.now()
    won = db.session.execute(update(Order).where(
        Order.id == order_id, Order.status == states.OFFERED, Order.pharmacy_id == pharmacy_id,
        Order.offer_deadline > now).values(status=states.ACCEPTED, offer_deadline=None, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount == 1
    order = db.session.get(Order, order_id, populate_existing=True)
    if order is None or order.pharmacy_id != pharmacy_id or not pharmacy_id:
        raise _not_visible(actor, order_id)
    if not won:
        audit_order(actor, order, "update", detail={"accept": "not applied", "status": order.status})
        if order.status == states.ACCEPTED:
            return order, "unchanged"
        if order.status == states.OFFERED:
            raise ApiError(409, "offer_expired", "The offer's deadline has passed.", current_status=order.status)
        raise ApiError(409, "illegal_transition", f"cannot accept an order that is {order.status}",
                       current_status=order.status)
    items, needs = needs_of(order)
    failure = None
    savepoint = db.session.begin_nested()
    if not reservations.take_capacity(pharmacy_id):
        failure = "at_capacity"
    elif reservations.reserve(pharmacy_id, needs) is not None:
        failure = "insufficient_stock"
    if failure:
        savepoint.rollback()  # nothing reserved, no capacity taken
        _answer_offer(order, pharmacy_id, "declined", reason=failure)
        routing.route_order(order, items, reason=f"previous pharmacy: {failure}")
        audit_order(actor, order, "update", detail={"accept": failure})
        return order, failure
    savepoint.commit()
    billing_link.accepted(order)
    _answer_offer(order, pharmacy_id, "accepted")
    audit_order(actor, order, "update", detail={"accept": "accepted"})
    hooks.notify("order.accepted", [f"Patient/{order.patient_id}"],
                 {"order_id": order.id, "status": order.status, "pharmacy_id": pharmacy_id})
    return order, "accepted"


@audited("update")
def decline_order(actor, order_id, reason):
    """Decline an offer with a reason; the order goes to the next pharmacy (never back to this one)."""
    pharmacy_id = actor.pharmacy_id
    claimed = db.session.execute(update(Order).where(
        Order.id == order_id, Order.status == states.OFFERED, Order.pharmacy_id == pharmacy_id)
        .values(offer_deadline=None, updated_at=clock.now()).execution_options(synchronize_session=False)).rowcount == 1
    order = db.session.get(Order, order_id, populate_existing=True)
    if order is None or not pharmacy_id:
        raise _not_visible(actor, order_id)
    if not claimed:
        offer = _offer_of(order, pharmacy_id)
        if offer is not None and offer.status == "declined":
            audit_order(actor, order, "update", detail={"decline": "already declined"})
            return offer, False
        if order.pharmacy_id != pharmacy_id:
            raise _not_visible(actor, order_id)
        raise ApiError(409, "illegal_transition", f"cannot decline an order that is {order.status}",
                       current_status=order.status)
    _answer_offer(order, pharmacy_id, "declined", reason=reason)
    offer = _offer_of(order, pharmacy_id)
    routing.route_order(order, needs_of(order)[0], reason="previous pharmacy declined")
    audit_order(actor, order, "update", detail={"decline": reason})
    return offer, True


@audited("update")
def advance_order(actor, order_id, action):
    """prepare | pick_up | send_out | deliver; returns (order, changed)."""
    order = load_order(actor, order_id, action="update")
    pharmacy_id = actor.pharmacy_id
    sources, target, _ = states.TRANSITIONS[action]
    if states.already_done(action, order.mode, order.status):
        audit_order(actor, order, "update", detail={action: "already done"})
        return order, False
    try:
        states.target(action, order.mode, order.status)
    except states.IllegalTransition as exc:
        raise ApiError(409, "illegal_transition", str(exc), current_status=order.status) from None
    now = clock.now()
    won = db.session.execute(update(Order).where(
        Order.id == order.id, Order.status.in_(sources), Order.pharmacy_id == pharmacy_id, Order.mode == order.mode)
        .values(status=target, updated_at=now).execution_options(synchronize_session=False)).rowcount == 1
    db.session.refresh(order)
    if not won:  # a concurrent twin got there first
        if order.status == target:
            audit_order(actor, order, "update", detail={action: "already done"})
            return order, False
        raise ApiError(409, "illegal_transition", f"cannot {action.replace('_', ' ')} an order that is {order.status}",
                       current_status=order.status)
    if action in states.DISPENSING_ACTIONS:
        _dispense(actor, order, now)
        _report(actor, order, "prescription.dispensed")
    elif action == "deliver":
        dispense = db.session.scalar(select(Dispense).where(Dispense.order_id == order.id))
        fhir_sync.order_delivered(actor, order, dispense, needs_of(order)[0], db.session.get(Pharmacy, order.pharmacy_id))
        _report(actor, order, "prescription.delivered")
    audit_order(actor, order, "update", detail={action: target})
    hooks.notify(f"order.{target}", [f"Patient/{order.patient_id}"], {"order_id": order.id, "status": target})
    return order, True


def _dispense(actor, order, now):
    """Book the drugs out: stock and capacity fall, a Dispense row and the FHIR MedicationDispense are written."""
    items, needs = needs_of(order)
    reservations.give_back_capacity(order.pharmacy_id)
    if not reservations.consume(order.pharmacy_id, needs):
        raise ApiError(409, "stock_inconsistent", "The reserved stock for this order is missing; nothing was dispensed.")
    dispense = Dispense(order_id=order.id, pharmacy_id=order.pharmacy_id, dispensed_by=actor.user_id, dispensed_at=now)
    db.session.add(dispense)
    db.session.flush()
    ids = fhir_sync.order_dispensed(actor, order, dispense, items, db.session.get(Pharmacy, order.pharmacy_id))
    dispense.medication_dispense_ids = json.dumps(ids) if ids else None
    db.session.flush()
    return dispense


def _report(actor, order, kind):
    """Tell the supervision feed (core.reporting) of a step of the prescription chain."""
    reporting.report(kind, f"Order/{order.id}", reporting.prescription_trace(order.prescription_id), actor=actor,
                     patient_ref=f"Patient/{order.patient_id}",
                     payload={"prescription_id": order.prescription_id, "order_id": order.id, "mode": order.mode,
                              "pharmacy_id": order.pharmacy_id, "status": order.status})
