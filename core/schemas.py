"""marshmallow schemas of the kernel's app API."""
from marshmallow import Schema, fields, validate

from core.pagination import PageQuerySchema

GENDERS = ("male", "female")


class RegisterSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    id_number = fields.String(required=True, metadata={"description": "18-digit PRC resident identity number"})
    phone = fields.String(required=True, metadata={"description": "Mainland mobile number"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))
    gender = fields.String(validate=validate.OneOf(GENDERS),
                           metadata={"description": "Optional; must agree with the identity number"})


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
    role = fields.String(required=True, validate=validate.OneOf(("doctor", "pharmacist", "admin")))
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
    role = fields.String(validate=validate.OneOf(("patient", "doctor", "pharmacist", "admin")))
