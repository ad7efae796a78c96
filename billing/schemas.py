"""Billing's request and response schemas (amounts in integer fen)."""
from marshmallow import Schema, fields, validate

from billing.models import SERVICES
from core.pagination import PageQuerySchema

FEN = {"strict": True, "validate": validate.Range(min=0, max=100_000_000)}


class FeeSchema(Schema):
    id = fields.Integer(dump_only=True)
    payee_id = fields.String(required=True, validate=validate.Length(min=1, max=64),
                             metadata={"description": 'An institution or pharmacy id, or "*" for the platform default'})
    service = fields.String(required=True, validate=validate.OneOf(SERVICES))
    code = fields.String(load_default="", validate=validate.Length(max=64),
                         metadata={"description": "A doctor's title (consultation) or a medication code (medicine)"})
    amount_fen = fields.Integer(required=True, **FEN)
    effective_from = fields.AwareDateTime(load_default=None, default_timezone=None)


class FeeQuerySchema(PageQuerySchema):
    payee_id = fields.String(validate=validate.Length(max=64))
    service = fields.String(validate=validate.OneOf(SERVICES))


class ChargeItemSchema(Schema):
    service = fields.String()
    code = fields.String()
    description = fields.String()
    quantity = fields.Integer()
    unit_fen = fields.Integer()
    amount_fen = fields.Integer()


class ChargeSchema(Schema):
    id = fields.String()
    source = fields.String(metadata={"description": '"Appointment/<id>" or "PharmacyOrder/<id>"'})
    status = fields.String()
    amount_fen = fields.Integer()
    paid_fen = fields.Integer()
    refunded_fen = fields.Integer()
    payee_kind = fields.String()
    payee_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    closed_reason = fields.String(allow_none=True)
    items = fields.List(fields.Nested(ChargeItemSchema))


class ChargeQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(("pending", "paid", "refunded", "void", "expired")))
    source = fields.String(validate=validate.Length(max=100),
                           metadata={"description": 'e.g. "Appointment/<id>": the charge of one booking or order'})


class PaymentRequestSchema(Schema):
    charge_id = fields.String(required=True, validate=validate.Length(min=1, max=32))


class PaymentSchema(Schema):
    id = fields.String()
    charge_id = fields.String()
    provider = fields.String()
    provider_ref = fields.String()
    amount_fen = fields.Integer()
    status = fields.String()
    intent = fields.Dict(allow_none=True, metadata={"description": "qr_code, redirect_url, expires_at"})
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)


class NotificationAnswerSchema(Schema):
    code = fields.String()
    outcome = fields.String()


class RefundRequestSchema(Schema):
    charge_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    amount_fen = fields.Integer(validate=validate.Range(min=1, max=100_000_000), strict=True,
                                metadata={"description": "Omitted: all that the rule allows"})
    reason = fields.String(validate=validate.Length(max=500))


class RefundSchema(Schema):
    id = fields.String()
    charge_id = fields.String()
    payment_id = fields.String()
    amount_fen = fields.Integer()
    rule = fields.String()
    reason = fields.String(allow_none=True)
    status = fields.String()
    created_at = fields.DateTime()
    succeeded_at = fields.DateTime(allow_none=True)


class DayQuerySchema(Schema):
    date = fields.Date(required=True)
    provider = fields.String(validate=validate.Length(min=1, max=20))


class SettlementSchema(Schema):
    date = fields.String()
    time_zone = fields.String()
    totals = fields.Dict(metadata={"description": "payments, paid_fen, refunds, refunded_fen, net_fen"})
    payees = fields.List(fields.Dict())
    providers = fields.List(fields.Dict())
    total_net_fen = fields.Integer()
    balanced = fields.Boolean()


class ReconciliationSchema(Schema):
    date = fields.String()
    provider = fields.String()
    lines_ours = fields.Integer()
    lines_theirs = fields.Integer()
    total_ours_fen = fields.Integer()
    total_theirs_fen = fields.Integer()
    matched = fields.Boolean()
    differences = fields.List(fields.Dict())
