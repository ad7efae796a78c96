"""Field types and validators shared by the app API's schemas."""
import re
from datetime import timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import ValidationError, fields, validate

FHIR_ID = validate.Regexp(r"^[A-Za-z0-9\-.]{1,64}$", error="must be a FHIR id ([A-Za-z0-9-.], 1-64)")

_LOST_PLUS = re.compile(r" (\d{2}(:?\d{2})?)$")


class UTCDateTimeField(fields.AwareDateTime):
    """An ISO 8601 date-time with an offset (UTC assumed without one), loaded as aware UTC.

    A `+` in a query string arrives as a space when the client did not encode it; it is put back.
    """

    def __init__(self, **kwargs):
        super().__init__(default_timezone=timezone.utc, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = _LOST_PLUS.sub(r"+\1", value.strip())
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(timezone.utc)
        except (OverflowError, ValueError):
            raise ValidationError("is out of range") from None


def check_timezone(name):
    """Validator: an IANA time-zone name."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError("is not an IANA time zone (e.g. Asia/Shanghai)") from None
