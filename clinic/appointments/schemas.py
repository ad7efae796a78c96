"""Schemas of appointments, queue positions and waitlist entries."""

from marshmallow import Schema, fields, validate

from clinic.appointments.models import APPOINTMENT_STATUSES, CHANNELS
from clinic.directory.services import DoctorBriefSchema, InstitutionBriefSchema
from clinic.scheduling import KINDS
from clinic.scheduling.services import SlotSchema
from core.pagination import PageQuerySchema

SHORT_ID = validate.Length(min=1, max=64)
ICD10_CODE = r"^[A-Za-z][0-9]{2}(\.[0-9A-Za-z]{1,4})?$"


class AppointmentCreateSchema(Schema):
    slot_id = fields.String(required=True, validate=SHORT_ID)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    reason = fields.String(allow_none=True, validate=validate.Length(max=500))
    complaint_code = fields.String(allow_none=True, validate=validate.Regexp(ICD10_CODE),
                                   metadata={"description": "ICD-10 code of the complaint (online care is for "
                                                            "follow-ups of a diagnosed condition); read from the "
                                                            "start of `reason` when omitted"})
    channel = fields.String(load_default="app", validate=validate.OneOf(CHANNELS))


class PatientBriefSchema(Schema):
    name = fields.String(allow_none=True)
    sex = fields.String(allow_none=True)
    birth_date = fields.String(allow_none=True)
    age = fields.Integer(allow_none=True)


class AppointmentSchema(Schema):
    id = fields.String()
    status = fields.String()
    patient_id = fields.String()
    patient = fields.Nested(PatientBriefSchema, attribute="patient_brief", allow_none=True,
                            metadata={"description": "who the patient is (in lists)"})
    kind = fields.String()
    channel = fields.String()
    reason = fields.String(allow_none=True)
    complaint_code = fields.String(allow_none=True)
    slot = fields.Nested(SlotSchema)
    doctor = fields.Nested(DoctorBriefSchema)
    institution = fields.Nested(InstitutionBriefSchema)
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    local_date = fields.Date()
    session = fields.String()
    fee_fen = fields.Integer(metadata={"description": "Fee in fen (integer)"})
    queue_number = fields.Integer(allow_none=True)
    booked_at = fields.DateTime()
    checked_in_at = fields.DateTime(allow_none=True)
    called_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)


class AppointmentQuerySchema(PageQuerySchema):
    date = fields.Date(metadata={"description": "Local date (a doctor's day list)"})
    status = fields.String(validate=validate.OneOf(APPOINTMENT_STATUSES))


class RescheduleSchema(Schema):
    slot_id = fields.String(required=True, validate=SHORT_ID)


class QueuePositionSchema(Schema):
    appointment_id = fields.String()
    status = fields.String()
    position = fields.Integer(allow_none=True, metadata={"description": "1 = next; 0 = in consultation"})
    queue_number = fields.Integer(allow_none=True)
    estimated_wait_minutes = fields.Integer(allow_none=True)


class WaitlistCreateSchema(Schema):
    doctor_id = fields.String(required=True, validate=SHORT_ID)
    date = fields.Date(required=True, metadata={"description": "Local date wanted"})
    complaint_code = fields.String(allow_none=True, validate=validate.Regexp(ICD10_CODE), metadata={
        "description": "ICD-10 code of the complaint; online places are offered only when risk control "
                       "would let you book them online with it"})
    reason = fields.String(allow_none=True, validate=validate.Length(max=500),
                           metadata={"description": "Free text; may start with the ICD-10 code (\"I10 follow-up\")"})


class WaitlistSchema(Schema):
    id = fields.String()
    doctor_id = fields.String()
    date = fields.Date(attribute="day")
    status = fields.String()
    joined_at = fields.DateTime()
    offered_slot_id = fields.String(allow_none=True)
    offer_expires_at = fields.DateTime(allow_none=True)
    appointment_id = fields.String(allow_none=True)
    complaint_code = fields.String(allow_none=True)


class WaitlistAcceptSchema(Schema):
    reason = fields.String(allow_none=True, validate=validate.Length(max=500))
    channel = fields.String(load_default="app", validate=validate.OneOf(CHANNELS))
