"""marshmallow schemas of the risk-control API."""
from marshmallow import EXCLUDE, Schema, fields, validate

from clinic.risk.engine.ruleset import CHECKPOINTS, OUTCOMES
from clinic.risk.guardians import RELATIONSHIPS as GUARDIAN_RELATIONSHIPS
from core.fields import FHIR_ID
from core.pagination import PageQuerySchema


class ReasonSchema(Schema):
    rule_id = fields.String()
    title = fields.String()
    message = fields.String()
    message_zh = fields.String()
    citation = fields.String()
    outcome = fields.String()
    urgency = fields.String(allow_none=True)


class DecisionSchema(Schema):
    id = fields.String()
    at = fields.String()
    patient_id = fields.String()
    checkpoint = fields.String(validate=validate.OneOf(CHECKPOINTS))
    decision = fields.String(validate=validate.OneOf(OUTCOMES))
    ruleset_version = fields.String()
    reasons = fields.List(fields.Nested(ReasonSchema))
    next_steps = fields.List(fields.String())
    facts = fields.Dict()
    context = fields.String(allow_none=True)
    actor_role = fields.String()


class DecisionQuerySchema(PageQuerySchema):
    patient_id = fields.String(validate=validate.Length(max=64))


class RuleSetDocumentSchema(Schema):
    """A rule set as published (see clinic/risk/ruleset.py for the format)."""

    class Meta:
        unknown = EXCLUDE

    version = fields.String(required=True)
    title = fields.String()
    effective_from = fields.String(allow_none=True)
    params = fields.Dict()
    rules = fields.List(fields.Dict())
    published_at = fields.String(allow_none=True)
    published_by = fields.String(allow_none=True)
    source = fields.String(metadata={"description": "published | packaged"})


class RuleSetVersionQuerySchema(PageQuerySchema):
    """Pages of published versions (no filter)."""


class RuleSetPublishSchema(Schema):
    """Any JSON object; validated as a rule set by the engine's own validator (errors listed)."""

    class Meta:
        unknown = "include"


class ProtocolSchema(Schema):
    version = fields.String()
    title = fields.String()
    text_en = fields.String()
    text_zh = fields.String()
    validity_days = fields.Integer()


class ConsentRequestSchema(Schema):
    protocol_version = fields.String(required=True, validate=validate.Length(min=1, max=40))
    doctor_id = fields.String(validate=validate.Length(max=64),
                              metadata={"description": "Practitioner id of the physician or family doctor"})


# Logins never hold control characters (PostgreSQL refuses NUL in text: a 500 otherwise).
LOGIN = validate.Regexp(r"^[^\x00-\x1f\x7f]{1,64}$", error="must be a login name or phone number")


class GuardianRequestSchema(Schema):
    guardian_username = fields.String(required=True, validate=LOGIN,
                                      metadata={"description": "The guardian's login (a phone number for patients)"})
    relationship = fields.String(required=True, validate=validate.OneOf(GUARDIAN_RELATIONSHIPS),
                                 metadata={"description": "HL7 v3 RoleCode of the guardian to the patient"})
    patient_id = fields.String(validate=FHIR_ID,
                               metadata={"description": "Admins only: the patient (patients register their own)"})


class GuardianQuerySchema(PageQuerySchema):
    patient_id = fields.String(validate=FHIR_ID, metadata={"description": "Admins only"})


class GuardianSchema(Schema):
    id = fields.String()
    patient_id = fields.String()
    guardian_user_id = fields.String()
    relationship = fields.String()
    status = fields.String()
    requested_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class ConsentQuerySchema(PageQuerySchema):
    patient_id = fields.String(validate=validate.Length(min=1, max=64),
                               metadata={"description": "admins: whose consents (patients: their own)"})


class ConsentSchema(Schema):
    id = fields.String()
    patient_id = fields.String()
    protocol_version = fields.String()
    doctor_id = fields.String(attribute="practitioner_id", allow_none=True)
    signed_at = fields.DateTime()
    expires_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    status = fields.String()


class MedicationInputSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    system = fields.String(load_default="http://www.whocc.no/atc", validate=validate.Length(max=200))
    days_supply = fields.Integer(validate=validate.Range(min=1, max=366))


class PointSchema(Schema):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class EligibilityRequestSchema(Schema):
    checkpoint = fields.String(required=True, validate=validate.OneOf(CHECKPOINTS))
    patient_id = fields.String(validate=validate.Length(max=64),
                               metadata={"description": "Defaults to the calling patient"})
    complaint_code = fields.String(validate=validate.Length(max=10),
                                   metadata={"description": "ICD-10 code (http://hl7.org/fhir/sid/icd-10); "
                                                            "E11.9 counts as E11"})
    medications = fields.List(fields.Nested(MedicationInputSchema), validate=validate.Length(max=50))
    guardian_present = fields.Boolean()
    doctor_id = fields.String(validate=validate.Length(max=64),
                              metadata={"description": "Practitioner id of the treating doctor"})
    condition_changed = fields.Boolean(load_default=False)
    location = fields.Nested(PointSchema, metadata={
        "description": "Where the patient is: a refer_offline answer then names the nearest primary institutions "
                       "(with the doctor's specialty first); without it only the family doctor is named"})


class EligibilityAnswerSchema(Schema):
    decision = fields.String()
    allowed_online = fields.Boolean()
    reasons = fields.List(fields.Nested(ReasonSchema))
    next_steps = fields.List(fields.String())
    urgency = fields.String(allow_none=True)
    ruleset_version = fields.String()
    decision_id = fields.String()
    emergency_number = fields.String()
    referral = fields.Dict(allow_none=True)


class VitalsSchema(Schema):
    systolic_bp = fields.Float(allow_none=True)
    diastolic_bp = fields.Float(allow_none=True)
    heart_rate = fields.Float(allow_none=True)
    temperature_c = fields.Float(allow_none=True)
    spo2 = fields.Float(allow_none=True)
    respiratory_rate = fields.Float(allow_none=True)


class TriageRequestSchema(Schema):
    symptoms = fields.List(fields.String(validate=validate.Length(max=20)), load_default=list,
                           validate=validate.Length(max=30),
                           metadata={"description": "SNOMED CT codes from the symptom catalogue"})
    vitals = fields.Nested(VitalsSchema, load_default=dict)


class TriageAnswerSchema(Schema):
    id = fields.String()
    authored = fields.String()
    assessment = fields.Dict()
