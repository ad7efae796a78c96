"""Fee schedules: the price of a payee's service at a moment, versioned by `effective_from`.

A lookup takes the newest row in effect for the most specific match, in this order: the payee's price for
the code, the payee's price for the service, the platform's ("*") price for the code, the platform's price
for the service. No match: the caller's fallback (e.g. the doctor's own consultation fee)."""
from functools import lru_cache

from sqlalchemy import and_, bindparam, func, select

from billing.models import SERVICES, Fee
from core import clock
from core.dbutil import execute
from core.errors import ApiError
from core.extensions import db

PLATFORM = "*"


def price(payee_id, service, code="", at=None, fallback=None):
    """The fee in fen for `service` (`code`) of `payee_id` in effect at `at` (now), else `fallback`."""
    return prices(payee_id, [(service, code, fallback)], at)[0]


def prices(payee_id, wanted, at=None):
    """The fees of several (service, code, fallback) of `payee_id` at `at` (now), in order: one statement for
    all of them (a booking prices its registration and consultation; one query per candidate cost 4-6 round trips)."""
    at = at or clock.now()
    services = sorted({service for service, _, _ in wanted})
    codes = sorted({code or "" for _, code, _ in wanted} | {""})
    payees = sorted({payee_id, PLATFORM} - {None})
    found = {(row.payee_id, row.service, row.code): row.amount_fen for row in execute(
        _newest_fees(), {"payees": payees, "services": services, "codes": codes, "at": at})}
    answers = []
    for service, code, fallback in wanted:
        candidates = ((payee_id, code or ""), (payee_id, ""), (PLATFORM, code or ""), (PLATFORM, ""))
        answers.append(next((found[(who, service, what)] for who, what in candidates
                             if (who, service, what) in found), fallback))
    return answers


@lru_cache(maxsize=None)
def _newest_fees():
    """Per (payee, service, code) asked for, the row with the newest `effective_from` not after :at (built once)."""
    table = Fee.__table__
    asked = and_(table.c.payee_id.in_(bindparam("payees", expanding=True)),
                 table.c.service.in_(bindparam("services", expanding=True)),
                 table.c.code.in_(bindparam("codes", expanding=True)), table.c.effective_from <= bindparam("at"))
    newest = (select(table.c.payee_id, table.c.service, table.c.code,
                     func.max(table.c.effective_from).label("effective_from"))
              .where(asked).group_by(table.c.payee_id, table.c.service, table.c.code).subquery())
    return select(table.c.payee_id, table.c.service, table.c.code, table.c.amount_fen).join(newest, and_(
        table.c.payee_id == newest.c.payee_id, table.c.service == newest.c.service, table.c.code == newest.c.code,
        table.c.effective_from == newest.c.effective_from))


def set_fee(actor, payee_id, service, code, amount_fen, effective_from=None):
    """Add a price version (admins); the same payee, service, code and start twice is a 409."""
    if service not in SERVICES:
        raise ApiError(422, "unknown_service", f"service must be one of {', '.join(SERVICES)}.")
    effective_from = effective_from or clock.now()
    exists = db.session.scalar(select(Fee.id).where(Fee.payee_id == payee_id, Fee.service == service,
                                                   Fee.code == (code or ""), Fee.effective_from == effective_from))
    if exists:
        raise ApiError(409, "fee_exists", "A price for that service already starts at that moment.")
    fee = Fee(payee_id=payee_id, service=service, code=code or "", amount_fen=amount_fen,
              effective_from=effective_from, created_by=actor.user_id, created_at=clock.now())
    db.session.add(fee)
    db.session.flush()
    return fee


def list_fees(page, payee_id=None, service=None):
    """The page of price versions (newest first per payee, service and code), optionally of one payee and service."""
    stmt = select(Fee)
    if payee_id:
        stmt = stmt.where(Fee.payee_id == payee_id)
    if service:
        stmt = stmt.where(Fee.service == service)
    return page.rows(stmt.order_by(Fee.payee_id, Fee.service, Fee.code, Fee.effective_from.desc(), Fee.id))
