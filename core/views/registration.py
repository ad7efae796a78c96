"""Registration and password-reset endpoints: ask for a one-time code for a phone, then register (core.registration)
or set a new password (core.password_reset) with it. No answer depends on whether an account has the phone or
the identity number."""
from flask import request
from flask.views import MethodView

from core import password_reset, registration
from core.blueprint import Blueprint
from core.schemas import (PasswordResetSchema, PhoneCodeAcceptedSchema, PhoneCodeRequestSchema, RegisteredSchema,
                          RegisterSchema)

bp = Blueprint("registration", __name__, url_prefix="/api/v1", description="Patient registration")

TOO_MANY = ("Too many requests (per phone, or from this address): retry after Retry-After seconds. The same "
            "for every phone number, registered or not.")
SMS_DOWN = "The text-message gateway did not take the message: nothing was kept, retry after Retry-After seconds."


@bp.route("/auth/phone-codes")
class PhoneCodes(MethodView):
    @bp.doc(operationId="requestPhoneCode")
    @bp.errors({429: TOO_MANY, 503: SMS_DOWN})
    @bp.arguments(PhoneCodeRequestSchema, example={"phone": "13912345678"})
    @bp.response(202, PhoneCodeAcceptedSchema, example={"status": "accepted", "expires_in": 600, "resend_after": 60})
    def post(self, body):
        """Ask for a one-time registration code by text message. The answer is the same whether or not the
        phone has an account: a phone with an account is sent a warning to its owner instead of a code."""
        return registration.request_code(body["phone"], request.remote_addr)


@bp.route("/auth/register")
class Register(MethodView):
    @bp.doc(operationId="registerPatient")
    @bp.errors({
        409: "Only after a valid code, in a race: the phone got an account meanwhile (the caller holds the phone).",
        422: "A field is invalid, or `invalid_code`: the code is wrong, expired, used up, or none was sent.",
        429: "Too many registration attempts from this address: retry after Retry-After seconds.",
        503: SMS_DOWN,
    })
    @bp.arguments(RegisterSchema, example={"name": "Chen Jing", "id_number": "33020319850314021X",
                                           "phone": "13912345678", "password": "a long passphrase",
                                           "code": "204816"})
    @bp.response(201, RegisteredSchema)
    def post(self, body):
        """Register a patient account with real-name data and the phone's one-time code. When another account
        holds the identity number, the account is still created, without the number, and a claim is filed
        for an administrator's review (GET /api/v1/id-claims): the answer is the same 201."""
        user = registration.register(request.remote_addr, **body)
        return {"id": user.id, "role": user.role, "patient_id": user.patient_id}


@bp.route("/auth/password-codes")
class PasswordCodes(MethodView):
    @bp.doc(operationId="requestPasswordResetCode")
    @bp.errors({429: TOO_MANY, 503: SMS_DOWN})
    @bp.arguments(PhoneCodeRequestSchema, example={"phone": "13912345678"})
    @bp.response(202, PhoneCodeAcceptedSchema, example={"status": "accepted", "expires_in": 600, "resend_after": 60})
    def post(self, body):
        """Ask for a one-time password-reset code by text message. The answer is the same whether or not the
        phone has an account: a phone without one is told so by text, and no code is sent."""
        return password_reset.request_code(body["phone"], request.remote_addr)


@bp.route("/auth/password-reset")
class PasswordReset(MethodView):
    @bp.doc(operationId="resetPassword")
    @bp.errors({
        422: "A field is invalid (a weak password costs no attempt), or `invalid_code`: wrong, expired, used up, "
             "or none was sent.",
        429: "Too many attempts from this address: retry after Retry-After seconds.",
    })
    @bp.arguments(PasswordResetSchema, example={"phone": "13912345678", "code": "204816",
                                                "password": "a new long passphrase"})
    @bp.response(204)
    def post(self, body):
        """Set a new password with the phone's reset code. Every session of the account ends (its tokens are
        revoked); log in again with the new password."""
        password_reset.reset_password(request.remote_addr, body["phone"], body["code"], body["password"])
