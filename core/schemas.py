"""marshmallow schemas of the kernel's app API."""
from marshmallow import Schema, fields, validate

from core.pagination import PageQuerySchema

GENDERS = ("male", "female")


class RegisterSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    id_number = fields.String(required=True, validate=validate.Length(max=32),
                              metadata={"description": "18-digit PRC resident identity number"})
    phone = fields.String(required=True, metadata={"description": "Mainland mobile number"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))
    gender = fields.String(validate=validate.OneOf(GENDERS),
                           metadata={"description": "Optional; must agree with the identity number"})
    code = fields.String(required=True, load_only=True, validate=validate.Length(max=16),
                         metadata={"description": "The one-time code sent to the phone (POST /auth/phone-codes)"})


class PhoneCodeRequestSchema(Schema):
    phone = fields.String(required=True, validate=validate.Length(max=32),
                          metadata={"description": "Mainland mobile number (+86 and spaces allowed)"})


class PhoneCodeAcceptedSchema(Schema):
    status = fields.String(required=True, metadata={"description": "Always `accepted`"})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds a code stays valid"})
    resend_after = fields.Integer(required=True, metadata={"description": "Seconds before another code may be asked"})


class PasswordResetSchema(Schema):
    phone = fields.String(required=True, validate=validate.Length(max=32),
                          metadata={"description": "The account's mainland mobile number"})
    code = fields.String(required=True, load_only=True, validate=validate.Length(max=16),
                         metadata={"description": "The one-time code sent by POST /auth/password-codes"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128),
                             metadata={"description": "The new password"})


class RegisteredSchema(Schema):
    id = fields.String(required=True)
    role = fields.String(required=True)
    patient_id = fields.String(required=True)


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64),
                             metadata={"description": "Phone number for patients, login name for staff"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))


class TokenSchema(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    role = fields.String(required=True)


class MeSchema(Schema):
    id = fields.String(required=True)
    role = fields.String(required=True)
    name = fields.String(required=True)
    username = fields.String()
    patient_id = fields.String(allow_none=True)
    practitioner_id = fields.String(allow_none=True)
    pharmacy_id = fields.String(allow_none=True)


class StaffCreateSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(("doctor", "pharmacist", "admin", "nurse",
                                                                 "regulator")))
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,64}$"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    phone = fields.String()
    practitioner_id = fields.String(validate=validate.Length(max=64))
    pharmacy_id = fields.String(validate=validate.Length(max=64))


class UserSchema(MeSchema):
    is_active = fields.Boolean()
    created_at = fields.DateTime()


class UserUpdateSchema(Schema):
    is_active = fields.Boolean(metadata={"description": "false deactivates the account: its logins are refused "
                                                        "and its live tokens revoked (open connections close)"})


class UserQuerySchema(PageQuerySchema):
    role = fields.String(validate=validate.OneOf(("patient", "doctor", "pharmacist", "admin", "nurse", "regulator")))


CLAIM_STATUSES = ("pending", "approved", "rejected")


class OwnIdClaimSchema(Schema):
    """A claimant's view of their claim: nothing about the other account."""
    id = fields.String(required=True)
    id_number = fields.Function(lambda claim: claim.id_number[:4] + "*" * 10 + claim.id_number[-4:],
                                metadata={"description": "Masked: the first and last four characters"})
    status = fields.String(required=True, validate=validate.OneOf(CLAIM_STATUSES))
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    note = fields.String(allow_none=True)


class IdClaimSchema(OwnIdClaimSchema):
    id_number = fields.String(required=True)
    claimant_id = fields.String(required=True)
    holder_id = fields.String(allow_none=True, metadata={"description": "The account that held the number when claimed"})
    decided_by = fields.String(allow_none=True)


class IdClaimQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(CLAIM_STATUSES))


class IdClaimDecisionSchema(Schema):
    note = fields.String(validate=validate.Length(max=500), metadata={"description": "Why; sent to the claimant"})


class IdClaimApprovalSchema(IdClaimDecisionSchema):
    deactivate_holder = fields.Boolean(load_default=True, metadata={
        "description": "Deactivate the account that held the number and revoke its tokens (default true)"})
