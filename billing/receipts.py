"""A charge's receipt as plain text (UTF-8), what the patient downloads: items, payments and refunds in yuan."""
from billing import charges, refunds


def yuan(fen):
    """'12.34' for 1234 fen (integer arithmetic: no float ever touches money)."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def render(charge, payments):
    """The receipt text of a charge and its payments."""
    lines = ["Cloud Hospital receipt / 云医院收据", f"Charge: {charge.id}", f"For: {charge.source_ref}",
             f"Payee: {charge.payee_kind} {charge.payee_id or '(to be assigned)'}",
             f"Issued: {charge.created_at.isoformat()}", ""]
    for item in charges.items_of(charge.id):
        lines.append(f"{item.description}  x{item.quantity}  @ {yuan(item.unit_fen)}  = {yuan(item.amount_fen)}")
    lines += ["", f"Total: CNY {yuan(charge.amount_fen)}", f"Status: {charge.status}"]
    for payment in payments:
        if payment.status == "succeeded":
            lines.append(f"Paid: CNY {yuan(payment.amount_fen)} by {payment.provider} "
                         f"(trade {payment.trade_no}) at {payment.paid_at.isoformat()}")
    for refund in refunds.list_refunds(charge.id):
        if refund.status == "succeeded":
            lines.append(f"Refunded: CNY {yuan(refund.amount_fen)} ({refund.rule}) "
                         f"at {refund.succeeded_at.isoformat()}")
    return "\n".join(lines) + "\n"
