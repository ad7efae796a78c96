"""Password hashing with argon2id (memory-hard); cost parameters come from the app config."""
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_hashers = {}


class WeakPassword(ValueError):
    """The password does not meet the policy; the message is safe to show."""


def _hasher():
    key = (current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_KIB"])
    if key not in _hashers:
        _hashers[key] = PasswordHasher(time_cost=key[0], memory_cost=key[1], parallelism=1)
    return _hashers[key]


def check_policy(password):
    """At least 8 characters with letters and digits; at most 128."""
    if not isinstance(password, str) or not 8 <= len(password) <= 128:
        raise WeakPassword("must be 8 to 128 characters long")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise WeakPassword("must contain both letters and digits")


def hash_password(password):
    """Hash a password for storage."""
    return _hasher().hash(password)


def verify_password(stored_hash, password):
    """True when the password matches; a missing hash still costs one hash so timing reveals nothing."""
    if stored_hash is None:
        _hasher().hash(password or "")
        return False
    try:
        return _hasher().verify(stored_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False
