"""Marshmallow schemas of the consulting rooms: REST bodies and answers, and Socket.IO event payloads."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.fields import FHIR_ID
from core.pagination import PageQuerySchema

ICD10 = validate.Regexp(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$", error="must be an ICD-10 code such as I10 or E11.9")


class RoomSchema(Schema):
    id = fields.Str()
    code = fields.Str()
    name = fields.Str()
    clinic = fields.Str()
    institution_id = fields.Str(allow_none=True)
    status = fields.Str()
    doctor_user_id = fields.Str(allow_none=True)
    practitioner_id = fields.Str(allow_none=True)
    current_consultation_id = fields.Str(allow_none=True)
    busy = fields.Bool()
    opened_at = fields.DateTime(allow_none=True)


class RoomQuerySchema(PageQuerySchema):
    # No control characters: PostgreSQL refuses NUL in text (found by the schemathesis run).
    clinic = fields.Str(validate=validate.Regexp(r"^[A-Za-z0-9_\-]{1,64}$", error="must be a clinic code"))
    institution_id = fields.Str(validate=FHIR_ID)


class CallNextSchema(Schema):
    complaint_code = fields.Str(validate=ICD10)


class ParticipantSchema(Schema):
    user_id = fields.Str()
    role = fields.Str()


class PatientFactsSchema(Schema):
    name = fields.Str(allow_none=True)
    sex = fields.Str(allow_none=True, metadata={"description": "FHIR administrative gender"})
    birth_date = fields.Str(allow_none=True)
    age = fields.Int(allow_none=True, metadata={"description": "whole years today"})


class CodingSchema(Schema):
    system = fields.Str(allow_none=True)
    code = fields.Str()


class _ItemSchema(Schema):
    name = fields.Str(allow_none=True, metadata={"description": "display text, not a raw code"})
    code = fields.Nested(CodingSchema, allow_none=True)


class SummaryConditionSchema(_ItemSchema):
    since = fields.Str(allow_none=True)


class SummaryObservationSchema(_ItemSchema):
    value = fields.Str(allow_none=True)
    at = fields.Str(allow_none=True)


class SummaryMedicineSchema(_ItemSchema):
    dosage = fields.Str(allow_none=True)
    status = fields.Str(allow_none=True)
    since = fields.Str(allow_none=True)


class SummaryAllergySchema(Schema):
    substance = fields.Str(allow_none=True)
    code = fields.Nested(CodingSchema, allow_none=True)
    criticality = fields.Str(allow_none=True)
    reactions = fields.List(fields.Str(allow_none=True))


class SummaryEncounterSchema(Schema):
    type = fields.Str(allow_none=True)
    status = fields.Str(allow_none=True)
    start = fields.Str(allow_none=True)
    reason = fields.Str(allow_none=True)


def _section(item_schema, description):
    section = type(f"{item_schema.__name__.replace('Schema', '')}SectionSchema", (Schema,), {
        "total": fields.Int(allow_none=True), "items": fields.List(fields.Nested(item_schema))})
    return fields.Nested(section, metadata={"description": description})


class IceServersSchema(Schema):
    ice_servers = fields.List(fields.Dict(), metadata={
        "description": "RTCPeerConnection iceServers: the configured STUN/TURN servers, the TURN one with a "
                       "username and credential for you (TURN REST API)"})
    expires_at = fields.DateTime(allow_none=True, metadata={
        "description": "When the TURN credential stops working (null without TURN): ask again before a new call"})


class PatientSummarySchema(PatientFactsSchema):
    patient_id = fields.Str()
    conditions = _section(SummaryConditionSchema, "active conditions, latest onset first")
    observations = _section(SummaryObservationSchema, "the most recent observations")
    medicines = _section(SummaryMedicineSchema, "current medicines (active, on hold or draft requests)")
    allergies = _section(SummaryAllergySchema, "active allergies and intolerances")
    encounters = _section(SummaryEncounterSchema, "the last encounters")


class ConsultationSchema(Schema):
    id = fields.Str()
    room_id = fields.Str()
    appointment_id = fields.Str(allow_none=True)
    patient_id = fields.Str()
    patient_user_id = fields.Str()
    practitioner_id = fields.Str(allow_none=True)
    doctor_user_id = fields.Str()
    status = fields.Str()
    complaint_code = fields.Str(allow_none=True)
    last_seq = fields.Int()
    invited_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    last_activity_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    end_reason = fields.Str(allow_none=True)
    risk_decision_id = fields.Str(allow_none=True)
    encounter_id = fields.Str(allow_none=True)
    outcome = fields.Dict(allow_none=True)
    participants = fields.List(fields.Nested(ParticipantSchema))
    patient = fields.Nested(PatientFactsSchema, allow_none=True, metadata={"description": "who the patient is"})


class MessageSchema(Schema):
    consultation_id = fields.Str()
    seq = fields.Int()
    client_id = fields.Str()
    sender_user_id = fields.Str()
    sender_role = fields.Str()
    text = fields.Str(allow_none=True)
    attachment_id = fields.Str(allow_none=True)
    created_at = fields.Str()


class MessageQuerySchema(PageQuerySchema):
    after = fields.Int(load_default=0, validate=validate.Range(min=0, max=2**31 - 1),
                       metadata={"description": "Only messages with a greater seq (what a client already has)"})


class AttachmentSchema(Schema):
    id = fields.Str()
    consultation_id = fields.Str()
    filename = fields.Str()
    media_type = fields.Str()
    size = fields.Int()
    sha256 = fields.Str()
    uploader_user_id = fields.Str()
    created_at = fields.DateTime()


class UploadSchema(Schema):
    file = fields.Raw(metadata={"type": "string", "format": "binary"}, required=True)


class DiagnosisSchema(Schema):
    code = fields.Str(required=True, validate=ICD10)
    display = fields.Str(validate=validate.Length(max=200))


class ObservationInSchema(Schema):
    code = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    system = fields.Url(validate=validate.Length(max=200))
    display = fields.Str(validate=validate.Length(max=200))
    value = fields.Float(allow_nan=False)
    unit = fields.Str(validate=validate.Length(min=1, max=32))
    value_string = fields.Str(validate=validate.Length(min=1, max=500))

    @validates_schema
    def one_value(self, data, **kwargs):
        if ("value" in data) == ("value_string" in data):
            raise ValidationError("give exactly one of value (with unit) or value_string", "value")


class EndSchema(Schema):
    note = fields.Str(validate=validate.Length(max=20000))
    diagnoses = fields.List(fields.Nested(DiagnosisSchema), load_default=list, validate=validate.Length(max=20))
    observations = fields.List(fields.Nested(ObservationInSchema), load_default=list,
                               validate=validate.Length(max=50))
    condition_changed = fields.Bool(load_default=False)


# Socket.IO event payloads (validated by clinic.consult.socket_events; errors answer code "invalid_payload").
ID = fields.Str(required=True, validate=validate.Length(min=1, max=32))


class JoinEvent(Schema):
    consultation_id = ID
    last_seq = fields.Int(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))


class MessageEvent(Schema):
    consultation_id = ID
    client_id = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    text = fields.Str(validate=validate.Length(min=1, max=4000))
    attachment_id = fields.Str(validate=validate.Length(min=1, max=32))

    @validates_schema
    def one_body(self, data, **kwargs):
        if ("text" in data) == ("attachment_id" in data):
            raise ValidationError("give exactly one of text or attachment_id", "text")


class SignalEvent(Schema):
    consultation_id = ID
    to = fields.Str(validate=validate.Length(min=1, max=32))  # a participant's user id; default: everyone else
    type = fields.Str(required=True, validate=validate.OneOf(("offer", "answer", "ice", "hangup")))
    payload = fields.Raw(load_default=None)


class TypingEvent(Schema):
    consultation_id = ID
    typing = fields.Bool(load_default=True)


class ConsultationEvent(Schema):
    consultation_id = ID
