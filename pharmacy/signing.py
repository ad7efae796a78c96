"""Doctors' Ed25519 signing keys: generated on first use, private keys encrypted at rest, kept after rotation.

The private key is encrypted with AES-256-GCM under a key derived from SECRET_KEY by HKDF-SHA256
(info names the purpose), with the key id and practitioner id as associated data, so a row copied
to another doctor does not decrypt. Private keys never leave this module; public keys stay (with
their key id) after rotation so old prescriptions still verify.

Changing SECRET_KEY: put the previous one in SECRET_KEY_FALLBACKS. A key sealed under a fallback still
opens, and is sealed again under the current SECRET_KEY when next used; `flask pharmacy rewrap-signing-keys`
does it for every key at once, after which the fallback can go. A key no configured secret opens is a
503 `signing_key_unavailable` naming that command, never a 500, and never a silently new key (a process
started with a wrong secret would otherwise replace every doctor's key).
"""
import base64
import hashlib
import logging
import os

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core import clock
from core.errors import ApiError
from core.extensions import db
from pharmacy.models import SigningKey

HKDF_INFO = b"cloud-hospital/pharmacy/prescription-signing-key/v1"
log = logging.getLogger(__name__)


def _wrapping_key(secret=None):
    secret = (secret if secret is not None else current_app.config["SECRET_KEY"]).encode("utf-8")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(secret)


def _secrets():
    """The current SECRET_KEY first, then the previous ones (SECRET_KEY_FALLBACKS)."""
    return [current_app.config["SECRET_KEY"], *(current_app.config.get("SECRET_KEY_FALLBACKS") or ())]


def _seal(raw_private, key_id, practitioner_id):
    nonce = os.urandom(12)
    return nonce + AESGCM(_wrapping_key()).encrypt(nonce, raw_private, _aad(key_id, practitioner_id))


def _open(row):
    """(raw private key, whether the current SECRET_KEY sealed it), or None when no configured secret opens it."""
    sealed = row.private_key_encrypted
    for n, secret in enumerate(_secrets()):
        try:
            raw = AESGCM(_wrapping_key(secret)).decrypt(sealed[:12], sealed[12:], _aad(row.key_id, row.practitioner_id))
        except InvalidTag:
            continue
        return raw, n == 0
    return None


def _aad(key_id, practitioner_id):
    return f"{key_id}|{practitioner_id}".encode("utf-8")


def _raw_public(private_key):
    return private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _new_key(practitioner_id):
    private_key = Ed25519PrivateKey.generate()
    public = _raw_public(private_key)
    key_id = hashlib.sha256(public).hexdigest()[:32]
    raw_private = private_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                            serialization.NoEncryption())
    return SigningKey(key_id=key_id, practitioner_id=practitioner_id, public_key=public,
                      private_key_encrypted=_seal(raw_private, key_id, practitioner_id), created_at=clock.now())


def active_key(practitioner_id):
    """The doctor's active key row, generated on first use (a concurrent first use is settled by a unique index)."""
    stmt = select(SigningKey).where(SigningKey.practitioner_id == practitioner_id, SigningKey.retired_at.is_(None))
    row = db.session.scalar(stmt)
    if row is not None:
        return row
    row = _new_key(practitioner_id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # another request created the doctor's key first: use that one
        return db.session.scalar(stmt)
    return row


def rotate_key(practitioner_id):
    """Retire the doctor's active key (kept for verification) and create a new one."""
    db.session.execute(update(SigningKey).where(SigningKey.practitioner_id == practitioner_id,
                                                SigningKey.retired_at.is_(None)).values(retired_at=clock.now()))
    row = _new_key(practitioner_id)
    db.session.add(row)
    db.session.flush()
    return row


def _private_key(row):
    opened = _open(row)
    if opened is None:
        log.error("signing key %s of %s opens with no configured secret: SECRET_KEY changed without "
                  "SECRET_KEY_FALLBACKS?", row.key_id, row.practitioner_id)
        raise ApiError(503, "signing_key_unavailable", "The doctor's signing key cannot be opened with the "
                       "configured secrets; an administrator must restore the previous SECRET_KEY in "
                       "SECRET_KEY_FALLBACKS and run `flask pharmacy rewrap-signing-keys`.")
    raw, current = opened
    if not current:  # sealed under a previous secret: seal it under the current one
        row.private_key_encrypted = _seal(raw, row.key_id, row.practitioner_id)
    return Ed25519PrivateKey.from_private_bytes(raw)


def rewrap_keys():
    """Seal every private key opened by a fallback secret under the current SECRET_KEY; return
    (rewrapped, already current, unopenable key ids)."""
    rewrapped, current, unopenable = 0, 0, []
    for row in db.session.scalars(select(SigningKey).order_by(SigningKey.key_id)):
        opened = _open(row)
        if opened is None:
            unopenable.append(row.key_id)
        elif opened[1]:
            current += 1
        else:
            row.private_key_encrypted = _seal(opened[0], row.key_id, row.practitioner_id)
            rewrapped += 1
    db.session.flush()
    return rewrapped, current, unopenable


def sign(practitioner_id, message):
    """Sign `message` with the doctor's active key; return (key_id, base64 signature)."""
    row = active_key(practitioner_id)
    signature = _private_key(row).sign(message)
    return row.key_id, base64.b64encode(signature).decode("ascii")


def verify(key_id, message, signature_b64):
    """True when `signature_b64` is a valid signature of `message` by the key `key_id` (active or retired)."""
    row = db.session.get(SigningKey, key_id)
    if row is None:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(row.public_key).verify(base64.b64decode(signature_b64), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_key_pem(key_id):
    """The PEM public key of `key_id` (safe to publish), or None."""
    row = db.session.get(SigningKey, key_id)
    if row is None:
        return None
    return Ed25519PublicKey.from_public_bytes(row.public_key).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
