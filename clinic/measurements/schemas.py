"""Schemas of the home-measurement API."""
from marshmallow import Schema, fields, validate

from clinic.measurements.fhir import view_id
from clinic.measurements.kinds import KINDS, METHODS
from core.pagination import PageQuerySchema


class MeasurementInSchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(sorted(KINDS)))
    systolic = fields.Float(metadata={"description": "blood-pressure only"})
    diastolic = fields.Float(metadata={"description": "blood-pressure only"})
    value = fields.Float(metadata={"description": "glucose or weight"})
    unit = fields.String(validate=validate.Length(max=16),
                         metadata={"description": "mm[Hg]; mmol/L or mg/dL; kg or [lb_av] (default: canonical)"})
    measured_at = fields.AwareDateTime(metadata={"description": "default: now"})
    method = fields.String(load_default="self-reported", validate=validate.OneOf(sorted(METHODS)))
    device = fields.String(validate=validate.Length(max=200), metadata={"description": "the device, e.g. a model"})


class MeasurementAlertSchema(Schema):
    id = fields.String()
    plan_id = fields.String()
    patient_id = fields.String()
    measurement_id = fields.String()
    rule_id = fields.String()
    severity = fields.String()
    reason = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    note = fields.String(allow_none=True)


def _values(row):
    if row.value2 is not None:
        return {"systolic": row.value, "diastolic": row.value2}
    return {"value": row.value}


class MeasurementSchema(Schema):
    id = fields.String()
    patient_id = fields.String()
    code = fields.String()
    values = fields.Function(_values)
    unit = fields.String()
    measured_at = fields.DateTime()
    method = fields.String()
    device = fields.String(allow_none=True)
    fhir = fields.Function(lambda row: f"Observation/{view_id(row.id)}")


class MeasurementRecordedSchema(MeasurementSchema):
    alerts = fields.List(fields.Nested(MeasurementAlertSchema))


class MeasurementQuerySchema(PageQuerySchema):
    patient_id = fields.String(validate=validate.Length(max=64))
    code = fields.String(validate=validate.OneOf(sorted(KINDS)))
    since = fields.AwareDateTime()


class MeasurementSummaryQuerySchema(Schema):
    patient_id = fields.String(validate=validate.Length(max=64))
    since = fields.AwareDateTime()


class MeasurementSummaryEntrySchema(Schema):
    code = fields.String()
    unit = fields.String()
    count = fields.Integer()
    last = fields.Dict()
    last_at = fields.DateTime()
    avg = fields.Dict()
    min = fields.Dict()
    max = fields.Dict()


class MeasurementSummarySchema(Schema):
    patient_id = fields.String()
    since = fields.DateTime(allow_none=True)
    codes = fields.List(fields.Nested(MeasurementSummaryEntrySchema))


class MeasurementAlertQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(["open", "closed"]))
    patient_id = fields.String(validate=validate.Length(max=64))


class MeasurementCloseAlertSchema(Schema):
    note = fields.String(validate=validate.Length(max=500))
