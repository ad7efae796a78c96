"""Doctors' Ed25519 signing keys: generated on first use, private keys encrypted at rest, kept after rotation.

The private key is encrypted with AES-256-GCM under a key derived from SECRET_KEY by HKDF-SHA256
(info names the purpose), with the key id and practitioner id as associated data, so a row copied
to another doctor does not decrypt. Private keys never leave this module; public keys stay (with
their key id) after rotation so old prescriptions still verify.
"""
import base64
import hashlib
import os

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core import clock
from core.extensions import db
from pharmacy.models import SigningKey

HKDF_INFO = b"cloud-hospital/pharmacy/prescription-signing-key/v1"


def _wrapping_key():
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(secret)


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
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(_wrapping_key()).encrypt(nonce, raw_private, _aad(key_id, practitioner_id))
    return SigningKey(key_id=key_id, practitioner_id=practitioner_id, public_key=public,
                      private_key_encrypted=sealed, created_at=clock.now())


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
    sealed = row.private_key_encrypted
    raw = AESGCM(_wrapping_key()).decrypt(sealed[:12], sealed[12:], _aad(row.key_id, row.practitioner_id))
    return Ed25519PrivateKey.from_private_bytes(raw)


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
