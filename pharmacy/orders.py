"""Patients' orders: asking for a prescription to be filled, cancelling, retrying, and reading orders."""
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core import clock
from core.audit import audited, record_access
from core.errors import ApiError
from core.extensions import db
from core.types import new_id
from pharmacy import access, billing_link, candidates, duplicates, hooks, reservations, routing, states
from pharmacy.models import Offer, Order
from pharmacy.prescriptions import APPROVED, items_of


def needs_of(order):
    """(items, aggregated needs) of an order: the prescription's lines are the order's lines."""
    items = items_of(order.prescription_id)
    return items, candidates.aggregate([{"system": i.system, "code": i.code, "quantity": i.quantity} for i in items])


def _entity(order):
    return f"PharmacyOrder/{order.id}", f"Patient/{order.patient_id}"


def audit_order(actor, order, action="read", outcome="success", detail=None):
    """Record an access to an order (it carries prescription data)."""
    entity, patient = _entity(order)
    record_access(actor, action, entity, patient, outcome=outcome, detail=detail)


def load_order(actor, order_id, action="read"):
    """An order the actor may see: the patient's own, or one offered to / held by the pharmacist's pharmacy."""
    order = db.session.get(Order, order_id, populate_existing=True)
    visible = order is not None and (
        (actor.role == "patient" and actor.patient_id == order.patient_id)
        or (actor.role == "pharmacist" and access.pharmacy_sees_order(actor.pharmacy_id, order)))
    if not visible:
        if order is not None:
            audit_order(actor, order, action, outcome="denied")
        raise ApiError(404, "not_found", "No such order.")
    return order


@audited("create")
def request_fulfilment(actor, prescription_id, mode, lat, lon, address=None):
    """The patient asks for an approved prescription by pickup or delivery; the order is routed at once."""
    prescription = access.load_prescription(actor, prescription_id, action="create")
    if actor.role != "patient":
        raise ApiError(403, "forbidden", "Only the patient asks for a prescription to be filled.")
    duplicates.lock_consultation(prescription.consultation_id)  # not while the doctor replaces it
    db.session.refresh(prescription)
    if prescription.status != APPROVED:
        raise ApiError(409, "not_approved", f"The prescription is {prescription.status}; only approved "
                       "prescriptions are filled.", prescription_status=prescription.status)
    if mode == "delivery" and not (address or "").strip():
        raise ApiError(422, "address_required", "Delivery needs an address.")
    live = db.session.scalar(select(Order.id).where(Order.prescription_id == prescription.id,
                                                    Order.status != states.CANCELLED))
    if live:
        raise ApiError(409, "order_exists", "This prescription already has an order.", order_id=live)
    order = Order(id=new_id(), prescription_id=prescription.id, patient_id=prescription.patient_id, mode=mode,
                  lat=lat, lon=lon, address=(address or "").strip() or None, status=states.OFFERED, round=1,
                  created_at=clock.now(), updated_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(order)
    except IntegrityError:  # the partial unique index settles two requests racing
        raise ApiError(409, "order_exists", "This prescription already has an order.") from None
    items = items_of(prescription.id)
    routing.route_order(order, items)
    billing_link.charge(order, items, actor.user_id)  # priced at the pharmacy it was offered to first
    audit_order(actor, order, "create")
    return order


@audited("update")
def cancel_order(actor, order_id):
    """The patient cancels before dispensing: reservations and capacity are given back, offers withdrawn.
    The system actor (billing: not paid in time) may cancel any order."""
    for _ in range(5):  # the order may move on between our read and our conditional update
        order = load_order(actor, order_id, action="update") if actor.role != "system" \
            else db.session.get(Order, order_id, populate_existing=True)
        if order.status == states.CANCELLED:
            audit_order(actor, order, "update", detail={"cancel": "already cancelled"})
            return order, False
        try:
            states.target("cancel", order.mode, order.status)
        except states.IllegalTransition as exc:
            raise ApiError(409, "illegal_transition", str(exc), current_status=order.status) from None
        previous, pharmacy_id = order.status, order.pharmacy_id
        if db.session.execute(update(Order).where(
                Order.id == order.id, Order.status == previous,
                Order.pharmacy_id.is_(None) if pharmacy_id is None else Order.pharmacy_id == pharmacy_id)
                .values(status=states.CANCELLED, offer_deadline=None, updated_at=clock.now())
                .execution_options(synchronize_session=False)).rowcount == 1:
            break
    else:
        raise ApiError(409, "conflict", "The order keeps changing; try again.")
    if previous in states.HOLDING_STATES:
        reservations.give_back_capacity(pharmacy_id)
        reservations.release(pharmacy_id, needs_of(order)[1])
    elif previous == states.OFFERED:
        db.session.execute(update(Offer).where(Offer.order_id == order.id, Offer.round == order.round,
                                               Offer.status == "offered")
                           .values(status="withdrawn", answered_at=clock.now()))
    db.session.refresh(order)
    billing_link.cancelled(order)
    audit_order(actor, order, "update", detail={"cancel": previous})
    if pharmacy_id:
        hooks.notify("order.cancelled", [f"Pharmacy/{pharmacy_id}"], {"order_id": order.id})
    return order, True


@audited("update")
def retry_order(actor, order_id):
    """Route an unroutable order again, in a new round (pharmacies tried before may be asked again)."""
    order = load_order(actor, order_id, action="update")
    claimed = db.session.execute(update(Order).where(Order.id == order.id, Order.status == states.UNROUTABLE)
                                 .values(status=states.OFFERED, round=Order.round + 1, updated_at=clock.now())
                                 .execution_options(synchronize_session=False)).rowcount == 1
    if not claimed:
        raise ApiError(409, "illegal_transition", f"Only an unroutable order can be retried; it is {order.status}.",
                       current_status=order.status)
    db.session.refresh(order)
    routing.route_order(order, items_of(order.prescription_id))
    audit_order(actor, order, "update", detail={"retry": order.round})
    return order


@audited("read")
def read_order(actor, order_id):
    """One order (patient's own, or offered to / held by the pharmacist's pharmacy)."""
    order = load_order(actor, order_id)
    audit_order(actor, order)
    return order


@audited("search")
def list_pharmacy_orders(actor, status, page):
    """The page (a core.pagination.Page) of the orders offered to or held by the pharmacist's pharmacy, newest first."""
    stmt = select(Order).where(Order.pharmacy_id == actor.pharmacy_id, Order.status != states.UNROUTABLE)
    if status:
        stmt = stmt.where(Order.status == status)
    rows = page.rows(stmt.order_by(Order.updated_at.desc(), Order.id))
    record_access(actor, "search", f"PharmacyOrder?pharmacy={actor.pharmacy_id}", None,
                  detail={"count": len(rows), "patients": sorted({f"Patient/{o.patient_id}" for o in rows})[:50]})
    return rows


def view_order(order, for_pharmacy=False):
    """The API representation of an order (pharmacies also get the delivery address and patient id)."""
    items, _ = needs_of(order)
    body = {
        "id": order.id, "order_id": order.id, "prescription_id": order.prescription_id, "status": order.status,
        "mode": order.mode, "pharmacy": routing.pharmacy_summary(order.pharmacy_id, order),
        "offer_deadline": order.offer_deadline, "reason": order.reason, "round": order.round,
        "created_at": order.created_at, "updated_at": order.updated_at,
        "items": [{"code": i.code, "system": i.system, "display": i.display, "quantity": i.quantity} for i in items],
    }
    if for_pharmacy:
        body.update(patient_id=order.patient_id, address=order.address if order.mode == "delivery" else None)
    return body
