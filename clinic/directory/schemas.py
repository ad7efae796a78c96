"""Schemas of institutions, doctors and family-doctor contracts."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from clinic.directory.models import INSTITUTION_KINDS
from clinic.directory.specialties import SPECIALTY_CODES
from core.fields import FHIR_ID, check_timezone
from core.pagination import PageQuerySchema

LIST_STATUSES = ("active", "inactive", "any")
SPECIALTY = fields.String(validate=validate.OneOf(SPECIALTY_CODES))


class SpecialtySchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "in English"})
    name_zh = fields.String(required=True, metadata={"description": "in Chinese"})


class InstitutionSchema(Schema):
    id = fields.String(dump_only=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(INSTITUTION_KINDS))
    district = fields.String(allow_none=True, validate=validate.Length(max=100))
    address = fields.String(allow_none=True, validate=validate.Length(max=300))
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    timezone = fields.String(load_default="Asia/Shanghai", validate=[validate.Length(max=64), check_timezone])
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    is_active = fields.Boolean(load_default=True)
    distance_km = fields.Float(dump_only=True)


class InstitutionUpdateSchema(InstitutionSchema):
    timezone = fields.String(validate=[validate.Length(max=64), check_timezone])
    is_active = fields.Boolean()


class InstitutionQuerySchema(PageQuerySchema):
    status = fields.String(load_default="active", validate=validate.OneOf(LIST_STATUSES),
                           metadata={"description": "active (default); inactive or any: admins only, to reactivate"})
    near = fields.String(metadata={"description": "LAT,LON: sort by distance from this point"})
    specialty = fields.String(validate=validate.OneOf(SPECIALTY_CODES))
    district = fields.String(validate=validate.Length(max=100))
    kind = fields.String(validate=validate.OneOf(INSTITUTION_KINDS))

    @validates_schema
    def check_near(self, data, **kwargs):
        if "near" not in data:
            return
        try:
            lat, lon = (float(part) for part in data["near"].split(","))
        except ValueError:
            raise ValidationError("must be LAT,LON", "near") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError("is out of range", "near")
        data["near"] = (lat, lon)


class DoctorSchema(Schema):
    id = fields.String(dump_only=True)
    practitioner_id = fields.String(required=True, validate=FHIR_ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    title = fields.String(allow_none=True, validate=validate.Length(max=100))
    specialties = fields.List(fields.String(validate=validate.OneOf(SPECIALTY_CODES)), load_default=list,
                              validate=validate.Length(max=20))
    institution_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list, validate=validate.Length(max=50))
    consult_fee_fen = fields.Integer(load_default=0, validate=validate.Range(0, 10_000_000),
                                     metadata={"description": "Consultation fee in fen (integer)"})
    online = fields.Boolean(attribute="offers_online", load_default=True)
    in_person = fields.Boolean(attribute="offers_in_person", load_default=True)
    is_family_doctor = fields.Boolean(load_default=False)
    is_active = fields.Boolean(load_default=True)


class DoctorUpdateSchema(DoctorSchema):
    specialties = fields.List(fields.String(validate=validate.OneOf(SPECIALTY_CODES)), validate=validate.Length(max=20))
    institution_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)), validate=validate.Length(max=50))
    consult_fee_fen = fields.Integer(validate=validate.Range(0, 10_000_000))
    online = fields.Boolean(attribute="offers_online")
    in_person = fields.Boolean(attribute="offers_in_person")
    is_family_doctor = fields.Boolean()
    is_active = fields.Boolean()


class DoctorQuerySchema(PageQuerySchema):
    status = fields.String(load_default="active", validate=validate.OneOf(LIST_STATUSES),
                           metadata={"description": "active (default); inactive or any: admins only, to reactivate"})
    specialty = fields.String(validate=validate.OneOf(SPECIALTY_CODES))
    institution_id = fields.String(validate=validate.Length(max=64))
    online = fields.Boolean()
    family_doctor = fields.Boolean()


class DoctorBriefSchema(Schema):
    id = fields.String()
    practitioner_id = fields.String()
    name = fields.String()
    title = fields.String(allow_none=True)


class InstitutionBriefSchema(Schema):
    id = fields.String()
    name = fields.String()
    timezone = fields.String()


class FamilyDoctorBindSchema(Schema):
    doctor_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    team = fields.String(allow_none=True, validate=validate.Length(max=100))
    patient_id = fields.String(validate=validate.Length(min=1, max=64),
                               metadata={"description": "Admins only: the patient to sign (patients sign themselves)"})


class FamilyDoctorSchema(Schema):
    doctor_id = fields.String()
    practitioner_id = fields.String()
    name = fields.String()
    title = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    institution_ids = fields.List(fields.String())
    signed_at = fields.DateTime()
    reference = fields.String()


class FamilyDoctorQuerySchema(Schema):
    patient_id = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "Admins only"})
