"""Schemas of the home-nursing API."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from clinic.measurements import KINDS
from clinic.nursing.catalogue import SERVICES
from core.pagination import PageQuerySchema

SERVICE_CODES = validate.OneOf(sorted(SERVICES))
LAT = validate.Range(-90, 90)
LON = validate.Range(-180, 180)


class NurseSchema(Schema):
    user_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    institution_id = fields.String(required=True, validate=validate.Length(min=1, max=32))


class NursingServiceSchema(Schema):
    code = fields.String()
    display = fields.String()
    needs_order = fields.Boolean()
    ordered_by = fields.List(fields.String())
    minutes = fields.Integer()


class NursingOrderInSchema(Schema):
    patient_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    service = fields.String(required=True, validate=SERVICE_CODES)
    note = fields.String(validate=validate.Length(max=500))


class NursingOrderSchema(Schema):
    id = fields.String()
    patient_id = fields.String()
    doctor_id = fields.String()
    service = fields.String()
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()
    used_by = fields.String(allow_none=True)


class NursingRequestInSchema(Schema):
    service = fields.String(required=True, validate=SERVICE_CODES)
    address = fields.String(required=True, validate=validate.Length(min=3, max=300))
    latitude = fields.Float(required=True, validate=LAT)
    longitude = fields.Float(required=True, validate=LON)
    window_start = fields.AwareDateTime(required=True)
    window_end = fields.AwareDateTime(required=True)
    note = fields.String(validate=validate.Length(max=500))

    @validates_schema
    def _window(self, data, **_):
        if "window_start" in data and "window_end" in data and data["window_end"] <= data["window_start"]:
            raise ValidationError("must be after window_start", "window_end")


class NursingVisitSchema(Schema):
    id = fields.String()
    request_id = fields.String()
    nurse_user_id = fields.String()
    institution_id = fields.String()
    status = fields.String()
    checked_in_at = fields.DateTime(allow_none=True)
    check_in_km = fields.Float(allow_none=True, metadata={"description": "distance from the address at check-in"})
    checked_out_at = fields.DateTime(allow_none=True)
    due_out_at = fields.DateTime(allow_none=True)
    overdue_alerted_at = fields.DateTime(allow_none=True)
    note = fields.String(allow_none=True)
    encounter = fields.Function(lambda v: f"Encounter/hh-{v.id}" if v.status == "completed" else None)


class NursingRequestSchema(Schema):
    id = fields.String()
    patient_id = fields.String()
    service = fields.String()
    address = fields.String()
    window_start = fields.DateTime()
    window_end = fields.DateTime()
    order_id = fields.String(allow_none=True)
    status = fields.String()
    institution_id = fields.String()
    distance_km = fields.Float()
    created_at = fields.DateTime()
    visit = fields.Nested(NursingVisitSchema, allow_none=True)


class NursingVisitQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(["scheduled", "in_progress", "completed"]))


class PositionSchema(Schema):
    latitude = fields.Float(required=True, validate=LAT)
    longitude = fields.Float(required=True, validate=LON)


class VisitObservationSchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(sorted(KINDS)))
    systolic = fields.Float()
    diastolic = fields.Float()
    value = fields.Float()
    unit = fields.String(validate=validate.Length(max=16))


class CheckOutSchema(PositionSchema):
    note = fields.String(validate=validate.Length(max=2000))
    procedure_note = fields.String(validate=validate.Length(max=2000))
    observations = fields.List(fields.Nested(VisitObservationSchema), load_default=list,
                               validate=validate.Length(max=10))
