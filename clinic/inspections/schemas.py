"""Schemas of the inspection API (orders, bookings, results, offers)."""
from marshmallow import Schema, fields, validate

from clinic.inspections.catalogue import TESTS
from clinic.inspections.fhir import report_id, request_id
from core.pagination import PageQuerySchema

TEST_CODES = validate.OneOf(sorted(TESTS))


class InspectionOrderInSchema(Schema):
    patient_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    test = fields.String(required=True, validate=TEST_CODES)
    reason = fields.String(validate=validate.Length(max=500))


class InspectionResultSchema(Schema):
    code = fields.String()
    display = fields.String()
    value = fields.Float()
    unit = fields.String()
    low = fields.Float(allow_none=True)
    high = fields.Float(allow_none=True)
    flag = fields.String(metadata={"description": "H above the range, L below, N within"})


class InspectionOrderSchema(Schema):
    id = fields.String()
    patient_id = fields.String()
    doctor_id = fields.String()
    test = fields.String(attribute="test_code")
    test_display = fields.Function(lambda o: TESTS[o.test_code]["display"])
    reason = fields.String(allow_none=True)
    status = fields.String()
    institution_id = fields.String(allow_none=True)
    booked_on = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    reported_at = fields.DateTime(allow_none=True)
    conclusion = fields.String(allow_none=True)
    abnormal = fields.Boolean(allow_none=True)
    fhir = fields.Function(lambda o: f"ServiceRequest/{request_id(o.id)}")
    report = fields.Function(lambda o: f"DiagnosticReport/{report_id(o.id)}" if o.status == "reported" else None)


class InspectionOrderDetailSchema(InspectionOrderSchema):
    results = fields.List(fields.Nested(InspectionResultSchema))


class InspectionOrderQuerySchema(PageQuerySchema):
    patient_id = fields.String(validate=validate.Length(max=64))
    status = fields.String(validate=validate.OneOf(["ordered", "booked", "reported", "cancelled"]))


class InspectionReportQuerySchema(PageQuerySchema):
    patient_id = fields.String(validate=validate.Length(max=64))


class InspectionPlacesQuerySchema(PageQuerySchema):
    date = fields.Date(required=True)
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))


class InspectionPlaceSchema(Schema):
    institution_id = fields.String()
    name = fields.String()
    day = fields.Date()
    capacity = fields.Integer()
    left = fields.Integer()
    distance_km = fields.Float(allow_none=True)


class InspectionBookingSchema(Schema):
    institution_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    date = fields.Date(required=True)


class InspectionResultInSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    value = fields.Float(required=True, validate=validate.Range(min=0, max=100000))


class InspectionReportInSchema(Schema):
    results = fields.List(fields.Nested(InspectionResultInSchema), load_default=list, validate=validate.Length(max=20))
    conclusion = fields.String(validate=validate.Length(max=4000))
    abnormal = fields.Boolean(metadata={"description": "an examination's conclusion is abnormal"})


class InspectionOfferSchema(Schema):
    institution_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    test = fields.String(required=True, attribute="test_code", data_key="test", validate=TEST_CODES)
    daily_capacity = fields.Integer(required=True, validate=validate.Range(min=0, max=10000))


class InspectionOfferQuerySchema(PageQuerySchema):
    test = fields.String(validate=TEST_CODES)


class InspectionTestQuerySchema(PageQuerySchema):
    pass


class InspectionTestSchema(Schema):
    code = fields.String()
    kind = fields.String()
    loinc = fields.String()
    display = fields.String()
    results = fields.List(fields.Dict())
