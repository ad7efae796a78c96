"""Push endpoints' secrets sealed at rest: AES-256-GCM under a key derived from SECRET_KEY by HKDF-SHA256, the
endpoint id as associated data (a sealed secret copied to another endpoint does not open). A secret sealed
under one of SECRET_KEY_FALLBACKS still opens and is sealed again under the current key when next opened, the
way pharmacy.signing treats doctors' keys."""
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

HKDF_INFO = b"cloud-hospital/compliance/push-endpoint-secret/v1"


class SecretUnavailable(Exception):
    """No configured SECRET_KEY (nor fallback) opens the sealed secret."""


def _key(secret):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(secret.encode("utf-8"))


def seal(plain, endpoint_id):
    """The secret `plain` sealed for `endpoint_id` under the current SECRET_KEY."""
    nonce = os.urandom(12)
    return nonce + AESGCM(_key(current_app.config["SECRET_KEY"])).encrypt(nonce, plain.encode("utf-8"),
                                                                         endpoint_id.encode("utf-8"))


def unseal(sealed, endpoint_id):
    """(the plain secret, whether the current SECRET_KEY sealed it); SecretUnavailable when none opens it."""
    secrets = [current_app.config["SECRET_KEY"], *(current_app.config.get("SECRET_KEY_FALLBACKS") or ())]
    for n, secret in enumerate(secrets):
        try:
            plain = AESGCM(_key(secret)).decrypt(sealed[:12], sealed[12:], endpoint_id.encode("utf-8"))
        except InvalidTag:
            continue
        return plain.decode("utf-8"), n == 0
    raise SecretUnavailable(endpoint_id)
