"""The sandbox provider: behaves like WeChat Pay / Alipay for tests, demos and the bench.

It keeps its own books (billing_sandbox_trades / _events), signs its notifications like WeChat Pay v3
(HMAC-SHA256 over "timestamp\\nnonce\\nbody", headers X-Sandbox-*), and sends them later, through the
scheduler's `billing.sandbox_notify`: a customer's payment can be delivered several times, late, out of
order, or never (what the query/repair job is for). `customer_pays` and `customer_abandons` play the patient
at the provider's cashier."""
import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from billing.providers.base import InvalidSignature, PaymentProvider, ProviderEvent, StatementLine, TradeState
from billing.providers.sandbox_models import SandboxEvent, SandboxTrade
from core import clock
from core.extensions import db
from core.types import new_id

NAME = "sandbox"


def _secret():
    configured = current_app.config.get("BILLING_SANDBOX_SECRET")
    if configured:
        return configured.encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"billing-sandbox", hashlib.sha256).digest()


def sign(body, timestamp=None, nonce=None):
    """The headers that make `body` (str) a genuine sandbox notification signed at `timestamp` (epoch seconds)."""
    timestamp = str(int(clock.now().timestamp()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(8)
    message = f"{timestamp}\n{nonce}\n{body}".encode()
    return {"X-Sandbox-Timestamp": timestamp, "X-Sandbox-Nonce": nonce,
            "X-Sandbox-Signature": hmac.new(_secret(), message, hashlib.sha256).hexdigest()}


def _event_body(event):
    return json.dumps({"notify_id": event.notify_id, "event": event.event, "out_trade_no": event.provider_ref,
                       "amount_fen": event.amount_fen, "at": event.at.isoformat(),
                       "refund_ref": event.refund_ref, "trade_no": _trade_no(event.provider_ref)},
                      separators=(",", ":"))


def _trade_no(provider_ref):
    return db.session.scalar(select(SandboxTrade.trade_no).where(SandboxTrade.provider_ref == provider_ref))


class SandboxProvider(PaymentProvider):
    """A provider in the same database: trades, notifications and statements as the real ones have them."""

    name = NAME

    def create_intent(self, provider_ref, amount_fen, description):
        """Open the trade (idempotent on provider_ref) and return its QR and redirect data."""
        if db.session.get(SandboxTrade, provider_ref) is None:
            db.session.add(SandboxTrade(provider_ref=provider_ref, trade_no="SBX" + new_id()[:20],
                                        amount_fen=amount_fen, status="open", created_at=clock.now()))
            db.session.flush()
        expires = clock.now() + timedelta(minutes=current_app.config["BILLING_PAY_WITHIN_MINUTES"])
        return {"qr_code": f"sandbox://pay/{provider_ref}",
                "redirect_url": f"/sandbox/pay/{provider_ref}",  # the sandbox cashier (POST) when mounted
                "expires_at": expires.isoformat(),
                "description": description}

    def verify_notification(self, headers, raw_body):
        """Check the HMAC over timestamp, nonce and body; parse the body into a ProviderEvent."""
        timestamp, nonce = headers.get("X-Sandbox-Timestamp", ""), headers.get("X-Sandbox-Nonce", "")
        given = headers.get("X-Sandbox-Signature", "")
        body = raw_body.decode("utf-8", errors="replace")
        expected = hmac.new(_secret(), f"{timestamp}\n{nonce}\n{body}".encode(), hashlib.sha256).hexdigest()
        if not (timestamp.isdigit() and nonce and hmac.compare_digest(given, expected)):
            raise InvalidSignature("bad signature")
        try:
            data = json.loads(body)
            return ProviderEvent(notify_id=str(data["notify_id"]), event=str(data["event"]),
                                 provider_ref=str(data["out_trade_no"]), amount_fen=int(data["amount_fen"]),
                                 at=datetime.fromisoformat(data["at"]),
                                 sent_at=datetime.fromtimestamp(int(timestamp), tz=clock.now().tzinfo),
                                 trade_no=data.get("trade_no"), refund_ref=data.get("refund_ref"))
        except (KeyError, TypeError, ValueError) as exc:  # signed but unreadable: the provider's bug, not forged
            raise InvalidSignature(f"unreadable body: {exc}") from None

    def query(self, provider_ref):
        """The trade's state as the sandbox has it."""
        trade = db.session.get(SandboxTrade, provider_ref, populate_existing=True)
        if trade is None:
            return TradeState("unknown")
        return TradeState(trade.status, trade.amount_fen, trade.trade_no, trade.paid_at)

    def refund(self, provider_ref, refund_ref, amount_fen):
        """Refund part or all of a paid trade (idempotent on refund_ref); a notification follows."""
        if db.session.scalar(select(SandboxEvent.id).where(SandboxEvent.refund_ref == refund_ref)):
            return True
        taken = db.session.execute(update(SandboxTrade).where(
            SandboxTrade.provider_ref == provider_ref, SandboxTrade.status == "paid",
            SandboxTrade.refunded_fen + amount_fen <= SandboxTrade.amount_fen)
            .values(refunded_fen=SandboxTrade.refunded_fen + amount_fen)).rowcount
        if not taken:
            return False
        _record(provider_ref, "refunded", amount_fen, refund_ref=refund_ref, delay_seconds=0)
        return True

    def statement(self, start, end):
        """The payments and refunds booked in [start, end), as the downloaded statement file lists them."""
        rows = db.session.scalars(select(SandboxEvent).where(
            SandboxEvent.event.in_(("paid", "refunded")), SandboxEvent.at >= start, SandboxEvent.at < end)
            .order_by(SandboxEvent.id))
        return [StatementLine("payment" if e.event == "paid" else "refund", e.provider_ref, e.amount_fen, e.refund_ref)
                for e in rows]


def _record(provider_ref, event, amount_fen, refund_ref=None, delay_seconds=0, copies=1, notify=True):
    now = clock.now()
    db.session.add(SandboxEvent(notify_id="N" + new_id(), provider_ref=provider_ref, event=event,
                                amount_fen=amount_fen, refund_ref=refund_ref, at=now, copies=copies,
                                due_at=now + timedelta(seconds=delay_seconds) if notify else None))
    db.session.flush()


def customer_pays(provider_ref, copies=1, delay_seconds=0, notify=True, amount_fen=None):
    """The patient pays at the cashier: the trade is paid; its notification goes out `copies` times after
    `delay_seconds` (never when `notify` is False: a lost callback). Returns False if the trade is not open."""
    trade = db.session.get(SandboxTrade, provider_ref, populate_existing=True)
    if trade is None or trade.status != "open":
        return False
    trade.status, trade.paid_at = "paid", clock.now()
    _record(provider_ref, "paid", trade.amount_fen if amount_fen is None else amount_fen,
            delay_seconds=delay_seconds, copies=copies, notify=notify)
    return True


def customer_abandons(provider_ref, delay_seconds=0):
    """The patient gives up (or the bank declines): the trade closes and a `closed` notification follows."""
    trade = db.session.get(SandboxTrade, provider_ref, populate_existing=True)
    if trade is None or trade.status != "open":
        return False
    trade.status = "closed"
    _record(provider_ref, "closed", trade.amount_fen, delay_seconds=delay_seconds)
    return True


def due_notifications(limit=500):
    """[(notify_id, body, headers)] for every copy of every notification due now, in the order they fell due."""
    events = db.session.scalars(select(SandboxEvent).where(SandboxEvent.sent == 0, SandboxEvent.due_at.is_not(None),
                                                           SandboxEvent.due_at <= clock.now())
                                .order_by(SandboxEvent.due_at, SandboxEvent.id).limit(limit)).all()
    out = []
    for event in events:
        body = _event_body(event)
        out.extend((event.notify_id, body, sign(body)) for _ in range(event.copies))
    return out


def mark_sent(notify_ids):
    """Notifications the webhook acknowledged: not sent again."""
    if notify_ids:
        db.session.execute(update(SandboxEvent).where(SandboxEvent.notify_id.in_(list(notify_ids))).values(sent=1))
