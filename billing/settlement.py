"""Daily settlement per payee from the ledger, and reconciliation of our books against the provider's
statement file. A day is a local day in BILLING_SETTLEMENT_TZ (Asia/Shanghai)."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from billing import ledger, providers
from billing.models import Payment, Refund
from core.extensions import db


def day_bounds(day):
    """[start, end) in UTC of the local settlement day `day` (a date)."""
    zone = ZoneInfo(current_app.config["BILLING_SETTLEMENT_TZ"])
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start.astimezone(ZoneInfo("UTC")), (start + timedelta(days=1)).astimezone(ZoneInfo("UTC"))


def settlement(day):
    """What each payee (institution, pharmacy, the platform's fees) earned and gave back on `day`, and
    whether the day's journals balance."""
    start, end = day_bounds(day)
    payees, provider_rows = [], []
    for account, (debits, credits) in ledger.totals_by_account(start, end).items():
        kind, _, rest = account.partition(":")
        if kind == "provider":
            provider_rows.append({"provider": rest, "received_fen": debits, "paid_out_fen": credits,
                                  "net_fen": debits - credits})
            continue
        payee_kind, payee_id = ("platform", "fees") if kind == "platform" else rest.partition(":")[::2]
        payees.append({"payee_kind": payee_kind, "payee_id": payee_id, "account": account, "earned_fen": credits,
                       "given_back_fen": debits, "net_fen": credits - debits})
    return {"date": day.isoformat(), "time_zone": current_app.config["BILLING_SETTLEMENT_TZ"],
            "totals": day_totals(start, end), "payees": payees, "providers": provider_rows,
            "total_net_fen": sum(p["net_fen"] for p in payees), "balanced": ledger.balance(start, end) == 0}


def day_totals(start, end):
    """The day's counts and sums: payments taken and refunds given, in fen."""
    paid = db.session.execute(select(func.count(), func.coalesce(func.sum(Payment.amount_fen), 0)).where(
        Payment.status == "succeeded", Payment.paid_at >= start, Payment.paid_at < end)).one()
    refunded = db.session.execute(select(func.count(), func.coalesce(func.sum(Refund.amount_fen), 0)).where(
        Refund.status == "succeeded", Refund.succeeded_at >= start, Refund.succeeded_at < end)).one()
    return {"payments": paid[0], "paid_fen": int(paid[1]), "refunds": refunded[0], "refunded_fen": int(refunded[1]),
            "net_fen": int(paid[1]) - int(refunded[1])}


def _our_lines(provider_name, start, end):
    ours = {}
    for payment in db.session.scalars(select(Payment).where(
            Payment.provider == provider_name, Payment.status == "succeeded", Payment.paid_at >= start,
            Payment.paid_at < end)):
        ours[("payment", payment.provider_ref, None)] = payment.amount_fen
    refunds = select(Refund, Payment.provider_ref).join(Payment, Payment.id == Refund.payment_id).where(
        Payment.provider == provider_name, Refund.status == "succeeded", Refund.succeeded_at >= start,
        Refund.succeeded_at < end)
    for refund, provider_ref in db.session.execute(refunds):
        ours[("refund", provider_ref, refund.id)] = refund.amount_fen
    return ours


def reconciliation(day, provider_name=None):
    """Our payments and refunds of `day` against the provider's statement: every line missing on either side
    or with another amount is listed."""
    provider = providers.get(provider_name or current_app.config["BILLING_PROVIDER"])
    start, end = day_bounds(day)
    ours = _our_lines(provider.name, start, end)
    theirs = {(line.kind, line.provider_ref, line.refund_ref): line.amount_fen
              for line in provider.statement(start, end)}
    differences = []
    for key in sorted(set(ours) | set(theirs), key=lambda k: (k[0], k[1], k[2] or "")):
        kind, provider_ref, refund_ref = key
        ours_fen, theirs_fen = ours.get(key), theirs.get(key)
        if ours_fen == theirs_fen:
            continue
        problem = ("missing_in_our_books" if ours_fen is None else "missing_in_statement" if theirs_fen is None
                   else "amount_differs")
        differences.append({"kind": kind, "provider_ref": provider_ref, "refund_ref": refund_ref,
                            "problem": problem, "ours_fen": ours_fen, "theirs_fen": theirs_fen})
    return {"date": day.isoformat(), "provider": provider.name, "lines_ours": len(ours), "lines_theirs": len(theirs),
            "total_ours_fen": _signed_total(ours), "total_theirs_fen": _signed_total(theirs),
            "matched": not differences, "differences": differences}


def _signed_total(lines):
    return sum(amount if kind == "payment" else -amount for (kind, _, _), amount in lines.items())
