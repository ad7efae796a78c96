"""core.cookie_session: one serializer per key, and a rotated key is honoured at once."""
from core.cookie_session import CachedSerializerSessionInterface


def test_the_serializer_is_built_once_per_key_and_rebuilt_when_the_key_changes(app):
    interface = CachedSerializerSessionInterface()
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    signed = first.dumps({"user": 1})
    old_key = app.secret_key
    try:
        app.secret_key = old_key + "-rotated"
        rotated = interface.get_signing_serializer(app)
        assert rotated is not first
        assert rotated.loads(rotated.dumps({"user": 2})) == {"user": 2}
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]  # the old key still opens cookies it signed
        assert interface.get_signing_serializer(app).loads(signed) == {"user": 1}
    finally:
        app.secret_key = old_key
        app.config["SECRET_KEY_FALLBACKS"] = []


def test_the_app_uses_it(app):
    assert isinstance(app.session_interface, CachedSerializerSessionInterface)
