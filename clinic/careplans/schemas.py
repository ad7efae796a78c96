"""Schemas of the care-plan API."""
import json

from marshmallow import Schema, fields, validate

from clinic.careplans.fhir import view_id
from clinic.careplans.templates import TEMPLATES
from core.pagination import PageQuerySchema


class CarePlanEnrolSchema(Schema):
    patient_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    template = fields.String(required=True, validate=validate.OneOf(sorted(TEMPLATES)))
    institution_id = fields.String(validate=validate.Length(max=32))
    started_on = fields.Date()
    note = fields.String(validate=validate.Length(max=500))


class CarePlanVisitSchema(Schema):
    number = fields.Integer()
    due_on = fields.Date()
    invited_at = fields.DateTime(allow_none=True)
    mode = fields.String(allow_none=True, metadata={"description": "online or in_person, from the last re-check"})
    recheck_decision = fields.String(allow_none=True)
    recheck_reasons = fields.Function(lambda v: json.loads(v.recheck_reasons) if v.recheck_reasons else [])
    rechecked_at = fields.DateTime(allow_none=True)


class CarePlanSchema(Schema):
    id = fields.String()
    patient_id = fields.String()
    doctor_id = fields.String()
    institution_id = fields.String()
    template = fields.String()
    title = fields.Function(lambda p: TEMPLATES[p.template]["title"])
    status = fields.String()
    started_on = fields.Date()
    visit_every_days = fields.Integer()
    measurements = fields.Function(lambda p: TEMPLATES[p.template]["measurements"])
    thresholds = fields.Function(lambda p: json.loads(p.thresholds))
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    fhir = fields.Function(lambda p: f"CarePlan/{view_id(p.id)}")


class CarePlanDetailSchema(CarePlanSchema):
    next_visit = fields.Nested(CarePlanVisitSchema)


class CarePlanQuerySchema(PageQuerySchema):
    patient_id = fields.String(validate=validate.Length(max=64))
    status = fields.String(validate=validate.OneOf(["active", "completed", "revoked"]))


class CarePlanEndSchema(Schema):
    status = fields.String(load_default="completed", validate=validate.OneOf(["completed", "revoked"]))


class CarePlanMeasuredSchema(Schema):
    code = fields.String()
    per_week = fields.Integer()
    weeks = fields.Integer()
    expected = fields.Integer()
    received = fields.Integer()
    weeks_short = fields.Integer()


class CarePlanAdherenceVisitSchema(Schema):
    number = fields.Integer()
    due_on = fields.Date()
    state = fields.String(metadata={"description": "attended, missed, due or upcoming"})


class CarePlanAdherenceSchema(Schema):
    plan_id = fields.String()
    as_of = fields.Date()
    visits = fields.List(fields.Nested(CarePlanAdherenceVisitSchema))
    visits_attended = fields.Integer()
    visits_missed = fields.Integer()
    measurements = fields.List(fields.Nested(CarePlanMeasuredSchema))
    adherent = fields.Boolean()
    visit_rate = fields.Float(allow_none=True)
    measurement_rate = fields.Float(allow_none=True)


class ChronicCareRowSchema(Schema):
    clinic = fields.String()
    title = fields.String()
    chronic_patients = fields.Integer(metadata={"description": "seen by the clinic's doctors or on its plan"})
    on_plan = fields.Integer()
    share_on_plan = fields.Float(allow_none=True)
    plans_adherent = fields.Integer()
    adherence_rate = fields.Float(allow_none=True)
    measured = fields.Integer(metadata={"description": "patients on a plan with a value to judge control by"})
    controlled = fields.Integer()
    control_rate = fields.Float(allow_none=True)
    control_rule = fields.String()
