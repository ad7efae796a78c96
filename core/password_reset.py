"""Forgotten passwords: a one-time code to the account's phone, then a new password with it. Like
registration (core.registration), no answer says whether the phone has an account: a phone without one is
texted that no code was sent. A reset revokes every live token of the account (its sessions on other
devices end) and is audited."""

from core import accounts, auth, phone_codes, registration, registration_limits, sms
from core.audit import record_access
from core.extensions import db
from core.passwords import hash_password

CODE_TEXT = ("Cloud Hospital: your password reset code is {code}. It expires in {minutes} minutes. "
             "Do not share it: nobody from the hospital will ask for it.")
NO_ACCOUNT_TEXT = ("Cloud Hospital: someone asked to reset the password of an account with this phone number, "
                   "but it has none. No code was sent; you can register instead.")


def request_code(phone, address):
    """Text a reset code to the account with `phone`, or tell the phone's holder it has none; one answer."""
    phone = accounts.checked_phone(phone)
    registration_limits.allow_code_request(phone, address)
    if accounts.account_with_phone(phone, active_only=True) is None:
        sms.send(phone, NO_ACCOUNT_TEXT)
    else:
        registration.send_code(phone, phone_codes.RESET_PASSWORD, CODE_TEXT)
    return registration.code_request_answer()


def reset_password(address, phone, code, password):
    """Set a new password on the account the code proves the phone of; revoke its tokens. 422 `invalid_code`
    for a wrong, used or never-sent code (a phone without an account never gets one)."""
    registration_limits.allow_registration_attempt(address)
    phone = accounts.checked_phone(phone)
    accounts.checked_password(password)  # a weak password costs no code attempt
    phone_codes.consume(phone, code, phone_codes.RESET_PASSWORD)
    user = accounts.account_with_phone(phone, active_only=True, lock=True)
    if user is None:  # deactivated since the code was sent
        raise phone_codes.invalid_code()
    user.password_hash = hash_password(password)
    revoked = auth.revoke_user_tokens(user.id)
    record_access(auth.actor_for(user), "reset_password", f"User/{user.id}", detail={"tokens_revoked": revoked})
    db.session.flush()
    return user
