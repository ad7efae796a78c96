"""The double-entry ledger: every movement of money is a journal of lines that sum to zero (debit positive).

Accounts: `provider:<name>` (money held by the payment provider for us, an asset), `payable:<kind>:<id>`
(what we owe an institution or a pharmacy; `payable:pharmacy:unassigned` until a pharmacy takes the order),
`platform:fees` (the platform's fee, BILLING_PLATFORM_FEE_BPS of each payment)."""
from flask import current_app
from sqlalchemy import case, func, select

from billing.models import LedgerLine
from core import clock
from core.extensions import db
from core.types import new_id


class Unbalanced(ValueError):
    """A journal whose lines do not sum to zero (a programming error: nothing is written)."""


def payee_account(charge):
    """The account of what is owed to the charge's payee."""
    return f"payable:{charge.payee_kind}:{charge.payee_id or 'unassigned'}"


def platform_fee(amount_fen):
    """The platform's share of `amount_fen` (integer fen, rounded down)."""
    return amount_fen * current_app.config["BILLING_PLATFORM_FEE_BPS"] // 10_000


def post(lines, memo, charge_id=None):
    """Write one journal of (account, amount_fen) lines; Unbalanced unless they sum to zero."""
    lines = [(account, int(amount)) for account, amount in lines if amount]
    if sum(amount for _, amount in lines) != 0:
        raise Unbalanced(f"journal {memo!r} does not balance: {lines}")
    journal_id, now = new_id(), clock.now()
    db.session.add_all(LedgerLine(journal_id=journal_id, account=account, amount_fen=amount, charge_id=charge_id,
                                  memo=memo, posted_at=now) for account, amount in lines)
    db.session.flush()
    return journal_id


def post_payment(charge, payment):
    """Money arrived at the provider: it is owed to the payee, less the platform's fee."""
    fee = platform_fee(payment.amount_fen)
    return post([(f"provider:{payment.provider}", payment.amount_fen),
                 (payee_account(charge), -(payment.amount_fen - fee)), ("platform:fees", -fee)], "payment", charge.id)


def post_refund(charge, payment, amount_fen, refunded_before):
    """Money given back: the fee is returned in proportion, so a full refund takes back all of it."""
    fee_total = platform_fee(payment.amount_fen)
    fee_back = ((refunded_before + amount_fen) * fee_total // payment.amount_fen
                - refunded_before * fee_total // payment.amount_fen)
    return post([(f"provider:{payment.provider}", -amount_fen), (payee_account(charge), amount_fen - fee_back),
                 ("platform:fees", fee_back)], "refund", charge.id)


def move_payable(charge, old_account, new_account):
    """What is owed on a charge moves to another payee account (a pharmacy took the order)."""
    owed = -db.session.scalar(select(func.coalesce(func.sum(LedgerLine.amount_fen), 0)).where(
        LedgerLine.charge_id == charge.id, LedgerLine.account == old_account))
    if owed:
        post([(old_account, owed), (new_account, -owed)], "payee_assigned", charge.id)


def balance(start=None, end=None):
    """The sum of every line (posted in [start, end)): zero when the books balance."""
    stmt = select(func.coalesce(func.sum(LedgerLine.amount_fen), 0))
    if start is not None:
        stmt = stmt.where(LedgerLine.posted_at >= start, LedgerLine.posted_at < end)
    return int(db.session.scalar(stmt))


def totals_by_account(start, end):
    """{account: (debits, credits)} of the lines posted in [start, end), credits as positive numbers."""
    debit = case((LedgerLine.amount_fen > 0, LedgerLine.amount_fen), else_=0)
    credit = case((LedgerLine.amount_fen < 0, -LedgerLine.amount_fen), else_=0)
    rows = db.session.execute(select(LedgerLine.account, func.sum(debit), func.sum(credit))
                              .where(LedgerLine.posted_at >= start, LedgerLine.posted_at < end)
                              .group_by(LedgerLine.account).order_by(LedgerLine.account))
    return {account: (int(debits), int(credits)) for account, debits, credits in rows}
