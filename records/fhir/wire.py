"""The FHIR wire format: media types, _format / _pretty, Prefer, base URL, and JSON responses.

JSON only (http://hl7.org/fhir/R4/http.html#mime-type); a request for XML gets 406.
"""
import functools
import json
from email.utils import format_datetime
from datetime import datetime

from flask import Response, current_app, request
from werkzeug.sansio.utils import get_current_url

from records import json_text
from records.fhir.outcome import fhir_error

FHIR_JSON = "application/fhir+json"
JSON_FORMATS = {"json", "application/json", "application/fhir+json", "text/json"}
XML_FORMATS = {"xml", "text/xml", "application/xml", "application/fhir+xml"}
FORM = "application/x-www-form-urlencoded"
CONTROL_PARAMS = ("_format", "_pretty")


def base_url(req=None):
    """The absolute FHIR base: PUBLIC_BASE_URL when set, else the (ProxyFix-corrected) root of `req`, by default
    Flask's request."""
    public = current_app.config.get("PUBLIC_BASE_URL")
    req = req if req is not None else request
    root = (public or _root_url(req.scheme, req.host, req.root_path)).rstrip("/")
    return root if root.endswith("/fhir") else f"{root}/fhir"


@functools.lru_cache(maxsize=256)
def _root_url(scheme, host, root_path):
    # request.url_root, remembered: werkzeug's IRI/IDNA decoding of the host was ~6 % of a FHIR read's CPU.
    return get_current_url(scheme, host, root_path)


def _media(value):
    return value.split(";")[0].strip().lower()


def check_format():
    """406 unless the client accepts JSON (through _format or Accept)."""
    wanted = request.args.get("_format")
    if wanted is not None:
        if not is_json_format(wanted):
            raise fhir_error(406, "not-supported", f"_format {wanted!r} is not served; this server speaks JSON.")
        return
    if not accepts_json(request.headers.get("Accept", "")):
        raise fhir_error(406, "not-supported", "XML is not served; ask for application/fhir+json.")


def is_json_format(value):
    """Whether a _format value names JSON."""
    return _media(value) in JSON_FORMATS


def accepts_json(accept):
    """False when an Accept header's value asks for XML and not for JSON (any other answer is JSON anyway)."""
    offered = [_media(m) for m in accept.split(",") if m.strip()]
    if not offered or any(m in JSON_FORMATS or m.endswith(("+json", "/*")) or m == "*/*" for m in offered):
        return True
    return not any(m in XML_FORMATS for m in offered)


def query_params():
    """The query (and, for _search, the form body) as [(name, value)], without _format and _pretty."""
    pairs = list(request.args.items(multi=True))
    if request.method == "POST" and request.mimetype == FORM:
        pairs += list(request.form.items(multi=True))
    return without_controls(pairs)


def without_controls(pairs):
    """The query's (name, value) pairs without _format and _pretty, which shape the answer, not the result."""
    return [(k, v) for k, v in pairs if k not in CONTROL_PARAMS]


def json_body():
    """The parsed JSON body (None when there is none); 400 when malformed, 415 for other media types."""
    if request.mimetype == FORM:
        return None  # a POST _search body: read by query_params()
    raw = request.get_data(cache=True)  # RequestEntityTooLarge (413) past MAX_CONTENT_LENGTH
    if not raw:
        return None
    if request.mimetype not in (FHIR_JSON, "application/json") and not request.mimetype.endswith("+json"):
        raise fhir_error(415, "not-supported", f"Content-Type {request.mimetype or '(none)'} is not accepted; "
                         "send application/fhir+json.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise fhir_error(400, "structure", f"The body is not valid JSON: {exc}") from None


def preferences():
    """The Prefer header as a dict ({"return": "minimal", "handling": "strict"})."""
    return parse_preferences(request.headers.get("Prefer", ""))


def parse_preferences(header):
    """A Prefer header's value as a dict."""
    found = {}
    for part in header.replace(";", ",").split(","):
        key, _, value = part.strip().partition("=")
        if key:
            found[key.strip().lower()] = value.strip().strip('"')
    return found


def http_date(instant):
    """An RFC 9110 date for a FHIR instant ("2024-01-01T00:00:00.000Z")."""
    return format_datetime(datetime.fromisoformat(instant.replace("Z", "+00:00")), usegmt=True)


def etag_version(header):
    """The version in an ETag / If-Match value (W/"3" -> "3")."""
    if not header:
        return None
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


def version_headers(resource):
    """{ETag, Last-Modified} of a stored resource (none for a Bundle's version, which is not one)."""
    headers = {}
    meta = (resource or {}).get("meta") or {}
    if meta.get("versionId") and resource.get("resourceType") != "Bundle":
        headers["ETag"] = f'W/"{meta["versionId"]}"'
    if meta.get("lastUpdated"):
        headers["Last-Modified"] = http_date(meta["lastUpdated"])
    return headers


def wants_pretty(args):
    """Whether the query (a MultiDict) asks for indented JSON (_pretty=true)."""
    return args.get("_pretty", "").lower() == "true"


def encode(resource, pretty=False):
    """The UTF-8 JSON bytes of a response body (indented with `pretty`)."""
    if pretty:
        return json.dumps(resource, ensure_ascii=False, indent=2).encode()
    return json_text.dumps(resource)


def respond(resource, status=200, headers=None):
    """A FHIR JSON response (pretty with _pretty=true); `resource` None gives an empty body."""
    if resource is None:
        body = b""
    else:
        body = encode(resource, wants_pretty(request.args))
    response = Response(body, status=status, mimetype=FHIR_JSON)
    if resource is not None:
        response.charset = "utf-8"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
