"""Charges: created by the domains when a booking is made or an order placed, read by patients and admins,
voided or refunded when their source closes."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.orm import make_transient_to_detached

from billing import fhir, ledger
from billing.models import Charge, ChargeItem
from core import clock
from core.audit import record_access
from core.dbutil import execute
from core.errors import ApiError
from core.extensions import db
from core.types import new_id


_INSERT_CHARGE, _INSERT_ITEMS = insert(Charge.__table__), insert(ChargeItem.__table__)  # built once


def create_charge(source_ref, patient_id, user_id, payee_kind, payee_id, items, views_later=False):
    """Charge the patient for `source_ref` with `items` [{service, code, description, quantity, unit_fen}].
    Nothing to pay (0 fen) is a paid charge at once; otherwise it is due within BILLING_PAY_WITHIN_MINUTES
    when BILLING_PAYMENT_REQUIRED is on. `views_later`: the caller has the FHIR views written after its commit
    (fhir.views_of_sources, from its own outbox) instead of in this transaction."""
    now = clock.now()
    lines = [dict(item, quantity=item.get("quantity", 1), code=item.get("code") or "") for item in items]
    amount = sum(line["quantity"] * line["unit_fen"] for line in lines)
    due = None
    if amount and current_app.config["BILLING_PAYMENT_REQUIRED"]:
        due = now + timedelta(minutes=current_app.config["BILLING_PAY_WITHIN_MINUTES"])
    row = dict(id=new_id(), patient_id=patient_id, user_id=user_id, source_ref=source_ref, payee_kind=payee_kind,
               payee_id=payee_id, amount_fen=amount, paid_fen=0, refunded_fen=0,
               status="paid" if amount == 0 else "pending", created_at=now, due_at=due,
               paid_at=now if amount == 0 else None, closed_reason=None)
    item_rows = [dict(charge_id=row["id"], position=n, service=line["service"], code=line["code"],
                      description=line["description"][:200], quantity=line["quantity"], unit_fen=line["unit_fen"],
                      amount_fen=line["quantity"] * line["unit_fen"]) for n, line in enumerate(lines, 1)]
    execute(_INSERT_CHARGE, row)  # Core statements: the ORM unit of work cost ~0.5 ms of a booking's CPU
    if item_rows:
        execute(_INSERT_ITEMS, item_rows)
    charge = Charge(**row)
    make_transient_to_detached(charge)  # in the database already: known to the session without another flush
    db.session.add(charge)
    items = [ChargeItem(**item) for item in item_rows]  # for the views only (their ids are not needed)
    if not views_later:
        fhir.write_views_of(charge, items)  # as inserted: no re-read
    return charge


def charge_of(source_ref):
    """The charge for `source_ref`, or None."""
    return db.session.scalar(select(Charge).where(Charge.source_ref == source_ref)
                             .execution_options(populate_existing=True))


def items_of(charge_id):
    """The lines of a charge, in order."""
    return db.session.scalars(select(ChargeItem).where(ChargeItem.charge_id == charge_id)
                              .order_by(ChargeItem.position)).all()


def void_unpaid(charge, status, reason):
    """Close a pending charge as `status` (void | expired); False when it was no longer pending."""
    closed = db.session.execute(update(Charge).where(Charge.id == charge.id, Charge.status == "pending")
                                .values(status=status, closed_reason=reason[:200])
                                .execution_options(synchronize_session=False)).rowcount == 1
    if closed:
        fhir.write_views(charge.id)
    return closed


def assign_payee(source_ref, payee_kind, payee_id):
    """The payee of a charge became known (a pharmacy took the order): what is owed moves to it."""
    charge = charge_of(source_ref)
    if charge is None or (charge.payee_kind, charge.payee_id) == (payee_kind, payee_id):
        return
    old_account = ledger.payee_account(charge)
    charge.payee_kind, charge.payee_id = payee_kind, payee_id
    db.session.flush()
    ledger.move_payable(charge, old_account, ledger.payee_account(charge))
    fhir.write_views(charge.id)  # the Invoice's issuer


def load_charge(actor, charge_id, action="read"):
    """A charge the actor may see (the patient's own, or any for admins); 404 otherwise (denied audited)."""
    charge = db.session.get(Charge, charge_id, populate_existing=True)
    if charge is None:
        raise ApiError(404, "not_found", "No such charge.")
    if not (actor.is_admin or (actor.role == "patient" and actor.patient_id == charge.patient_id)):
        record_access(actor, action, f"Charge/{charge.id}", f"Patient/{charge.patient_id}", outcome="denied")
        raise ApiError(404, "not_found", "No such charge.")
    return charge


def list_charges(actor, page, status=None, source=None):
    """The page of the caller's charges, newest first (admins: everybody's); audited as one search."""
    stmt = select(Charge)
    if not actor.is_admin:
        stmt = stmt.where(Charge.patient_id == actor.patient_id)
    if status:
        stmt = stmt.where(Charge.status == status)
    if source:
        stmt = stmt.where(Charge.source_ref == source)
    rows = page.rows(stmt.order_by(Charge.created_at.desc(), Charge.id))
    record_access(actor, "search", "Charge", None if actor.is_admin else f"Patient/{actor.patient_id}",
                  detail={"count": len(rows)})
    return rows


def view_charge(charge):
    """The API representation of a charge with its items."""
    return {"id": charge.id, "source": charge.source_ref, "status": charge.status, "amount_fen": charge.amount_fen,
            "paid_fen": charge.paid_fen, "refunded_fen": charge.refunded_fen, "payee_kind": charge.payee_kind,
            "payee_id": charge.payee_id, "created_at": charge.created_at, "due_at": charge.due_at,
            "paid_at": charge.paid_at, "closed_reason": charge.closed_reason,
            "items": [{"service": i.service, "code": i.code, "description": i.description, "quantity": i.quantity,
                       "unit_fen": i.unit_fen, "amount_fen": i.amount_fen} for i in items_of(charge.id)]}
