"""Flask's signed-cookie session, with its serializer built once per key instead of once per request.

Flask opens the session of every request, bearer-token API calls included, and builds a new itsdangerous
serializer each time (~3 % of a FHIR read's CPU). The serializer only depends on the keys and holds no
per-request state, so one per (SECRET_KEY, SECRET_KEY_FALLBACKS) is kept.
"""
from flask.sessions import SecureCookieSessionInterface


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._serializers = {}

    def get_signing_serializer(self, app):
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                self._serializers = {key: serializer}  # a key change (rotation) replaces the old one
        return serializer
