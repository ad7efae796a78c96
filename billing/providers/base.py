"""The payment provider interface (docs/PAYMENT.md): what billing asks of WeChat Pay, Alipay or the sandbox.

A provider turns a payment into something the app shows (a QR code, a redirect), proves its notifications
are its own (a signature over the raw body), answers queries about a trade, refunds, and lists a day's
movements in a statement. Amounts are integer fen; times are aware UTC datetimes."""
from dataclasses import dataclass
from datetime import datetime


class InvalidSignature(Exception):
    """The notification was not signed by the provider (forged, or altered on the way)."""


@dataclass(frozen=True)
class ProviderEvent:
    """A verified notification: `event` is paid | closed | refunded; `sent_at` is when the provider signed it
    (older than BILLING_NOTIFY_MAX_AGE_SECONDS: a replay)."""

    notify_id: str
    event: str
    provider_ref: str
    amount_fen: int
    at: datetime
    sent_at: datetime
    trade_no: str | None = None
    refund_ref: str | None = None


@dataclass(frozen=True)
class TradeState:
    """A query's answer: status open | paid | closed | unknown."""

    status: str
    amount_fen: int = 0
    trade_no: str | None = None
    paid_at: datetime | None = None


@dataclass(frozen=True)
class StatementLine:
    """One line of the provider's daily statement file: a payment or a refund, in fen."""

    kind: str  # payment | refund
    provider_ref: str
    amount_fen: int
    refund_ref: str | None = None


class PaymentProvider:
    """What an adapter implements; every method may raise ProviderUnavailable when the provider cannot answer."""

    name = "abstract"

    def create_intent(self, provider_ref, amount_fen, description):
        """Open a trade; return what the app needs to pay it: {"qr_code", "redirect_url", "expires_at"}."""
        raise NotImplementedError

    def verify_notification(self, headers, raw_body):
        """Check the signature of a notification and parse it into a ProviderEvent (InvalidSignature if forged)."""
        raise NotImplementedError

    def query(self, provider_ref):
        """The trade's state at the provider (TradeState): what the repair job trusts when a notification is lost."""
        raise NotImplementedError

    def refund(self, provider_ref, refund_ref, amount_fen):
        """Refund `amount_fen` of a paid trade, idempotent on `refund_ref`; True when the provider accepted it."""
        raise NotImplementedError

    def statement(self, start, end):
        """The StatementLines of payments and refunds the provider booked in [start, end)."""
        raise NotImplementedError


class ProviderUnavailable(Exception):
    """The provider did not answer (timeout, 5xx): the caller retries later."""
