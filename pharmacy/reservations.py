"""Stock reservations and capacity, changed only by conditional updates (never read-modify-write).

Lock order everywhere: the order row, then the pharmacy row, then stock rows sorted by
(system, code), so two transactions never wait on each other in a circle (PostgreSQL deadlocks).
"""
from sqlalchemy import update

from core.extensions import db
from pharmacy.models import Pharmacy, Stock


def _stock_row(pharmacy_id, system, code):
    return (Stock.pharmacy_id == pharmacy_id, Stock.system == system, Stock.code == code)


def _run(stmt):
    return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount


def take_capacity(pharmacy_id):
    """Count one more open order at the pharmacy if it is under capacity; False when full."""
    return _run(update(Pharmacy).where(Pharmacy.id == pharmacy_id, Pharmacy.open_orders < Pharmacy.capacity)
                .values(open_orders=Pharmacy.open_orders + 1)) == 1


def give_back_capacity(pharmacy_id):
    """One open order fewer (never below zero)."""
    _run(update(Pharmacy).where(Pharmacy.id == pharmacy_id, Pharmacy.open_orders > 0)
         .values(open_orders=Pharmacy.open_orders - 1))


def reserve(pharmacy_id, needs):
    """Reserve every (system, code, quantity) or nothing: returns the first medication that failed, or None.

    Each update only succeeds while on_hand - reserved >= quantity, so stock is never over-reserved.
    On failure the caller rolls back the savepoint holding these updates.
    """
    for system, code, quantity in needs:
        if _run(update(Stock).where(*_stock_row(pharmacy_id, system, code), Stock.on_hand - Stock.reserved >= quantity)
                .values(reserved=Stock.reserved + quantity)) != 1:
            return (system, code, quantity)
    return None


def release(pharmacy_id, needs):
    """Give back the reservations of a cancelled order."""
    for system, code, quantity in needs:
        _run(update(Stock).where(*_stock_row(pharmacy_id, system, code), Stock.reserved >= quantity)
             .values(reserved=Stock.reserved - quantity))


def consume(pharmacy_id, needs):
    """Dispense: take reserved units off the shelf (on_hand and reserved both fall); False if any is missing."""
    for system, code, quantity in needs:
        if _run(update(Stock).where(*_stock_row(pharmacy_id, system, code), Stock.reserved >= quantity,
                                    Stock.on_hand >= quantity)
                .values(on_hand=Stock.on_hand - quantity, reserved=Stock.reserved - quantity)) != 1:
            return False
    return True
