"""Schemas of schedule templates, exceptions and slots."""
from marshmallow import Schema, fields, validate

from clinic.directory import SPECIALTY_CODES
from clinic.scheduling.models import KINDS
from core.fields import UTCDateTimeField
from core.pagination import PageQuerySchema

SESSIONS = ("morning", "afternoon", "evening", "night")
SHORT_ID = validate.Length(min=1, max=64)


class TemplateSchema(Schema):
    id = fields.String(dump_only=True)
    doctor_id = fields.String(required=True, validate=SHORT_ID)
    institution_id = fields.String(required=True, validate=SHORT_ID)
    weekday = fields.Integer(required=True, validate=validate.Range(0, 6), metadata={"description": "Monday = 0"})
    session = fields.String(required=True, validate=validate.OneOf(SESSIONS))
    start_time = fields.Time(required=True, metadata={"description": "Local wall-clock time, e.g. 08:00:00"})
    end_time = fields.Time(required=True)
    slot_minutes = fields.Integer(required=True, validate=validate.Range(5, 480))
    capacity = fields.Integer(load_default=1, validate=validate.Range(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    valid_from = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    is_active = fields.Boolean(load_default=True)


class TemplateUpdateSchema(TemplateSchema):
    class Meta:
        exclude = ("doctor_id", "institution_id")

    capacity = fields.Integer(validate=validate.Range(1, 200))
    is_active = fields.Boolean()


class TemplateQuerySchema(PageQuerySchema):
    doctor_id = fields.String(validate=SHORT_ID)


class ExceptionSchema(Schema):
    id = fields.String(dump_only=True)
    doctor_id = fields.String(allow_none=True, validate=SHORT_ID, metadata={"description": "Leave of a doctor"})
    institution_id = fields.String(allow_none=True, validate=SHORT_ID,
                                   metadata={"description": "Holiday of an institution (admins)"})
    kind = fields.String(validate=validate.OneOf(("leave", "holiday", "closure")))
    start_date = fields.Date(required=True, metadata={"description": "First local date covered"})
    end_date = fields.Date(required=True, metadata={"description": "Last local date covered"})
    reason = fields.String(allow_none=True, validate=validate.Length(max=200))
    cancelled_slots = fields.Integer(dump_only=True)
    flagged_slots = fields.Integer(dump_only=True)


class ExceptionQuerySchema(PageQuerySchema):
    doctor_id = fields.String(validate=SHORT_ID)
    institution_id = fields.String(validate=SHORT_ID)


class SlotSchema(Schema):
    id = fields.String()
    doctor_id = fields.String()
    institution_id = fields.String()
    kind = fields.String()
    session = fields.String()
    local_date = fields.Date()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    capacity = fields.Integer()
    booked = fields.Integer()
    held = fields.Integer()
    available = fields.Boolean()
    status = fields.String()
    flagged = fields.Boolean()
    flag_reason = fields.String(allow_none=True)


class SlotQuerySchema(PageQuerySchema):
    doctor_id = fields.String(validate=SHORT_ID)
    institution_id = fields.String(validate=SHORT_ID)
    specialty = fields.String(validate=validate.OneOf(SPECIALTY_CODES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    from_ = UTCDateTimeField(data_key="from", metadata={"description": "ISO 8601 with offset"})
    to = UTCDateTimeField(metadata={"description": "ISO 8601 with offset (exclusive)"})
    available = fields.Boolean(load_default=True, metadata={"description": "Only bookable slots (default)"})


class FlaggedQuerySchema(PageQuerySchema):
    doctor_id = fields.String(validate=SHORT_ID, metadata={"description": "Admins only"})
