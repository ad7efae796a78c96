"""Schemas of the reports."""
from marshmallow import Schema, fields, validate

from clinic.reports.services import GROUPS
from core.fields import UTCDateTimeField
from core.pagination import PageQuerySchema


class ReportQuerySchema(PageQuerySchema):
    from_ = UTCDateTimeField(data_key="from", required=True)
    to = UTCDateTimeField(required=True)
    group_by = fields.String(load_default="institution", validate=validate.OneOf(GROUPS))


class WaitingTimeRowSchema(Schema):
    key = fields.String()
    name = fields.String()
    consultations = fields.Integer()
    average_wait_minutes = fields.Float()
    median_wait_minutes = fields.Float()


class UtilisationQuerySchema(PageQuerySchema):
    from_ = UTCDateTimeField(data_key="from", required=True)
    to = UTCDateTimeField(required=True)


class UtilisationRowSchema(Schema):
    room_id = fields.Str()
    room_name = fields.Str()
    clinic = fields.Str()
    date = fields.Date(metadata={"description": "local date of the room's institution"})
    consultations = fields.Int()
    busy_minutes = fields.Float()
    average_minutes = fields.Float()
    busy_share = fields.Float(metadata={"description": "busy time / span from the day's first start to last end"})
