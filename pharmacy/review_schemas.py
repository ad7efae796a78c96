"""marshmallow schemas of the pharmacist's review item: the facts snapshot, the flags and their decisions."""
from marshmallow import Schema, fields, validate

from pharmacy.schemas import PrescriptionSchema


class ReviewCodingSchema(Schema):
    system = fields.String(allow_none=True)
    code = fields.String()
    display = fields.String(allow_none=True)


class ReviewPatientSchema(Schema):
    sex = fields.String(allow_none=True, metadata={"description": "FHIR administrative gender"})
    birth_date = fields.String(allow_none=True)
    age_years = fields.Integer(allow_none=True, metadata={"description": "completed years when gathered"})


class ReviewAllergySchema(Schema):
    ref = fields.String(metadata={"description": "AllergyIntolerance/<id> in the record"})
    substance = fields.String(allow_none=True)
    codes = fields.List(fields.Nested(ReviewCodingSchema))
    criticality = fields.String(allow_none=True)
    category = fields.List(fields.String())
    reactions = fields.List(fields.String(allow_none=True))


class ReviewConditionSchema(Schema):
    ref = fields.String(metadata={"description": "Condition/<id> in the record"})
    name = fields.String(allow_none=True)
    codes = fields.List(fields.Nested(ReviewCodingSchema))
    status = fields.String(allow_none=True)
    since = fields.String(allow_none=True)


class ReviewMedicineSchema(Schema):
    ref = fields.String(metadata={"description": "MedicationRequest/<id> in the record"})
    name = fields.String(allow_none=True)
    codes = fields.List(fields.Nested(ReviewCodingSchema))
    status = fields.String(allow_none=True, metadata={"description": "active, or on-hold (awaiting review)"})
    since = fields.String(allow_none=True)
    dosage = fields.String(allow_none=True)


class ReviewFactsSchema(Schema):
    gathered_at = fields.String(metadata={"description": "when the record was read (at submission)"})
    patient = fields.Nested(ReviewPatientSchema)
    allergies = fields.List(fields.Nested(ReviewAllergySchema), metadata={"description": "active allergies"})
    conditions = fields.List(fields.Nested(ReviewConditionSchema), metadata={"description": "active conditions"})
    medicines = fields.List(fields.Nested(ReviewMedicineSchema), metadata={"description": "current medicines"})
    incomplete = fields.List(fields.String(), metadata={"description": "what could not be read in full"})


class ReviewCitationSchema(Schema):
    source = fields.String(metadata={"description": "document and section the catalogue fact comes from"})
    url = fields.String()


class ReviewFlagDecisionInfoSchema(Schema):
    decision = fields.String(metadata={"description": "upheld | overridden"})
    reason = fields.String(allow_none=True)
    decided_by = fields.String()
    decided_at = fields.DateTime()


class ReviewFlagSchema(Schema):
    number = fields.Integer(metadata={"description": "the flag's id within the prescription (1, 2, ...)"})
    code = fields.String(metadata={"description": "restricted_class | allergy_match | dose_above_maximum | "
                                                  "dose_unverifiable | age_below_minimum | age_above_maximum | "
                                                  "age_unknown | duplicate_therapy | not_in_catalogue"})
    severity = fields.String(metadata={"description": "high | warning"})
    item_position = fields.Integer(allow_none=True)
    reason = fields.String()
    citation = fields.Nested(ReviewCitationSchema, allow_none=True)
    decision = fields.Nested(ReviewFlagDecisionInfoSchema, allow_none=True, metadata={"description": "null: undecided"})


class ReviewItemSchema(Schema):
    prescription = fields.Nested(PrescriptionSchema)
    facts = fields.Nested(ReviewFactsSchema, allow_none=True, metadata={
        "description": "the record as read at submission; null for prescriptions issued before facts were kept"})
    flags = fields.List(fields.Nested(ReviewFlagSchema))
    undecided = fields.List(fields.Integer(), metadata={"description": "numbers of the flags still to decide"})
    approvable = fields.Boolean(metadata={"description": "pending, every flag decided and none upheld"})


class FlagDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("uphold", "override")))
    reason = fields.String(validate=validate.Length(max=1000), allow_none=True,
                           metadata={"description": "required to override"})


class FlagDecisionResultSchema(Schema):
    prescription_id = fields.String()
    flag = fields.Nested(ReviewFlagSchema)
    changed = fields.Boolean(metadata={"description": "false when a repeated decision changed nothing"})
