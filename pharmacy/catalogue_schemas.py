"""marshmallow schemas of the medication catalogue as the app API shows it (doctors choose from it)."""
from marshmallow import Schema, fields, validate

from core.pagination import PageQuerySchema


class MedicineQuerySchema(PageQuerySchema):
    q = fields.String(validate=validate.Length(max=100), metadata={
        "description": "part of the ATC code, the name or the Chinese name (any case)"})


class DoseSchema(Schema):
    value = fields.Float()
    unit = fields.String()


class CitationSchema(Schema):
    source = fields.String()
    url = fields.String()


class MedicineSchema(Schema):
    code = fields.String(metadata={"description": "WHO ATC code"})
    system = fields.String()
    name = fields.String()
    name_zh = fields.String()
    form = fields.String()
    strength = fields.String()
    unit = fields.String(metadata={"description": "what a prescription's quantity counts"})
    therapeutic_class = fields.String(metadata={"description": "ATC chemical subgroup"})
    max_daily_dose = fields.Nested(DoseSchema, allow_none=True, metadata={"description": "the label's adult maximum"})
    min_age_years = fields.Integer(allow_none=True)
    max_age_years = fields.Integer(allow_none=True)
    restricted = fields.String(allow_none=True, metadata={
        "description": "special-management class (narcotic, psychotropic, ...): never prescribed online"})
    citation = fields.Nested(CitationSchema)
