"""The Blueprint every app-API module declares its routes with: flask-smorest's, reading JSON bodies
strictly (core.payloads.loads_strict), so an absurd number is a 400 problem, not a 500."""
import flask_smorest
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser, is_json_request

from core import payloads
from core.errors import ApiError


class StrictJsonParser(FlaskParser):
    """webargs' Flask parser with core.payloads' strict JSON decoding."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return webargs_core.missing
        raw = req.get_data(cache=True)
        # Bytes that are not UTF-8 raise UnicodeDecodeError, malformed JSON JSONDecodeError: webargs answers
        # both with its 400 "Invalid JSON body."
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        try:
            return payloads.loads_strict(text)
        except payloads.UnsafePayload as exc:
            raise ApiError(400, "bad_request", str(exc)) from None


class Blueprint(flask_smorest.Blueprint):
    """A blueprint of the app API (/api/v1)."""

    ARGUMENTS_PARSER = StrictJsonParser()
