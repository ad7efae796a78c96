"""Patient self-registration in two steps, answering nobody whether an account exists.

1. `request_code(phone)`: rate-limited (core.registration_limits); an unregistered phone gets a one-time
   code (core.phone_codes), a registered one a text telling its owner that someone tried to register it.
   The HTTP answer is the same either way: only the phone's holder learns which message came.
2. `register(...)`: the code proves the phone. Without it (wrong, expired, used, or never sent because the
   phone has an account) the answer is one 422 `invalid_code`. With it the account is created; when
   another account holds the identity number, the new account is created without it and an identity
   claim is filed for an admin to review (core.id_claims): the answer is the same 201, and the fact that
   the number is taken reaches only the proven phone, by text message, and the account's own claim list.
"""
from flask import current_app

from core import accounts, id_claims, phone_codes, registration_limits, sms
from core.errors import ApiError
from core.transaction import serialise_on

CODE_TEXT = "Cloud Hospital: your registration code is {code}. It expires in {minutes} minutes. Do not share it."
OWNER_WARNING = ("Cloud Hospital: someone asked to register a new account with this phone number, which already "
                 "has one. No code was sent. If it was you, log in instead.")


def code_request_answer():
    """The one answer of every accepted code request."""
    config = current_app.config
    return {"status": "accepted", "expires_in": config["PHONE_CODE_TTL_SECONDS"],
            "resend_after": config["PHONE_CODE_RESEND_SECONDS"]}


def request_code(phone, address):
    """Send a code to `phone`, or its owner a warning (see the module docstring)."""
    phone = accounts.checked_phone(phone)
    registration_limits.allow_code_request(phone, address)
    if accounts.phone_taken(phone):
        sms.send(phone, OWNER_WARNING)
    else:
        send_code(phone, phone_codes.REGISTER, CODE_TEXT)
    return code_request_answer()


def send_code(phone, purpose, text):
    """Issue a code for `purpose` and text it to `phone` in `text` ({code}, {minutes})."""
    code = phone_codes.issue(phone, purpose)
    minutes = max(1, current_app.config["PHONE_CODE_TTL_SECONDS"] // 60)
    sms.send(phone, text.format(code=code, minutes=minutes))


def register(address, name, id_number, phone, password, code, gender=None):
    """Create the patient account the code proves the phone for; return the User."""
    registration_limits.allow_registration_attempt(address)
    fields = accounts.patient_fields(name, id_number, phone, password, gender)  # a typo costs no code attempt
    phone_codes.consume(fields["phone"], code)
    serialise_on(f"id-number:{fields['id_number']}")  # two registrations of one number: the second sees the first
    if accounts.phone_taken(fields["phone"]):
        # Only a race gets here (a code goes only to a phone without an account) and the caller holds the phone.
        raise ApiError(409, "phone_registered", "This phone number already has an account: log in instead.")
    holder = accounts.holder_of_id_number(fields["id_number"])
    if holder is None:
        return accounts.create_patient(fields)
    user = accounts.create_patient(fields, with_id_number=False)
    id_claims.file_claim(user, fields["id_number"], holder)
    return user
